"""Writing notices: the form with every field of the content format, tables as tables,
uploaded images, import/export of content folders, and the preview that is the screen."""
