"""The catalogue of built-in blocks (SPEC §4), one per file."""

from .code.python import PythonBlock
from .core.collect import CollectBlock
from .core.condition import ConditionBlock
from .core.constant import ConstantBlock
from .core.delay import DelayBlock
from .core.filter_list import FilterListBlock
from .core.foreach import ForEachBlock
from .core.get_field import GetFieldBlock
from .core.input import InputBlock
from .core.json_parse import JsonParseBlock
from .core.merge import MergeBlock
from .core.output import OutputBlock
from .core.sub_workflow import SubWorkflowBlock
from .core.template import TemplateBlock
from .core.transform import TransformBlock
from .files.list_files import ListFilesBlock
from .image.blur import ImageBlurBlock
from .image.crop import ImageCropBlock
from .image.draw_boxes import ImageDrawBoxesBlock
from .image.grayscale import ImageGrayscaleBlock
from .image.info import ImageInfoBlock
from .image.load import ImageLoadBlock
from .image.resize import ImageResizeBlock
from .image.rotate import ImageRotateBlock
from .image.save import ImageSaveBlock
from .image.threshold import ImageThresholdBlock
from .net.http_request import HttpRequestBlock
from .vision.classify import ModelClassifyBlock
from .vision.detect import ModelDetectBlock
from .vision.faces import FaceDetectBlock
from .vision.segment import ModelSegmentBlock

BUILTIN_BLOCKS = (
    InputBlock, OutputBlock, ConstantBlock, ConditionBlock, MergeBlock, ForEachBlock, CollectBlock, DelayBlock,
    TransformBlock, TemplateBlock, GetFieldBlock, JsonParseBlock, FilterListBlock,
    ImageLoadBlock, ImageSaveBlock, ImageResizeBlock, ImageCropBlock, ImageRotateBlock, ImageGrayscaleBlock,
    ImageBlurBlock, ImageThresholdBlock, ImageDrawBoxesBlock, ImageInfoBlock,
    HttpRequestBlock, PythonBlock, ListFilesBlock, SubWorkflowBlock,
    ModelClassifyBlock, ModelDetectBlock, ModelSegmentBlock, FaceDetectBlock,
)
