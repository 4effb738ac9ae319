"""The jobs the command line runs, as library functions that return plain dictionaries.

Each workflow reads files, calls the library and returns a JSON-ready report; none of them prints.
The command line (`textladder.cli`) is a thin layer that parses options, calls one of these and
renders the report.
"""
