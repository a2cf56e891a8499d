"""From a workflow document to something that runs: validation (every problem at once), ForEach bodies (which
loop each node runs in), the compiled plan the executor walks, and what a bypass left empty in a run."""

from .analysis import Analysis
from .checks import all_issues, analyze, check, validate
from .live import LivePart, live_part, needed_for
from .plan import Level, NodePlan, Plan, compile_plan
from .single import single_block_workflow
from .skips import bypass_skips

__all__ = ["Analysis", "analyze", "check", "validate", "all_issues", "Plan", "Level", "NodePlan", "compile_plan",
           "single_block_workflow", "LivePart", "live_part", "needed_for", "bypass_skips"]
