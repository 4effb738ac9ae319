"""Reading labelled tables: file formats, column choice, label parsing and splits."""
