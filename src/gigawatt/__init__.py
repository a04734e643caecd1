"""gigawatt."""
