"""Image handling that the views need: slicing, windowing, PNG encoding."""
