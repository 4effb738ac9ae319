"""The `textladder` command line: thin typer commands over `textladder.workflows`."""
