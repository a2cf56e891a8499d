"""From a workflow document to something that runs: validation (every problem at once), ForEach bodies (which
loop each node runs in) and the compiled plan the executor walks."""

from .analysis import Analysis
from .checks import analyze, check, validate
from .live import LivePart, live_part
from .plan import Level, NodePlan, Plan, compile_plan
from .single import single_block_workflow

__all__ = ["Analysis", "analyze", "check", "validate", "Plan", "Level", "NodePlan", "compile_plan",
           "single_block_workflow", "LivePart", "live_part"]
