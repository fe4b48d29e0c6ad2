"""The disclosure content model and the loading of the authoring format."""

from kiosk.content.errors import ContentError
from kiosk.content.loader import load_content
from kiosk.content.model import (
    Audience,
    Block,
    Catalogue,
    Category,
    Content,
    Heading,
    ImageBlock,
    Item,
    Paragraph,
    Priority,
    Publisher,
    Table,
    masthead,
)

__all__ = [
    "Audience", "Block", "Catalogue", "Category", "Content", "ContentError", "Heading", "ImageBlock",
    "Item", "Paragraph", "Priority", "Publisher", "Table", "load_content", "masthead",
]
