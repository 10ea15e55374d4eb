"""`python -m assistant` is the `assistant` command, for an environment whose scripts are not on PATH."""

from .cli import main

main(prog_name="assistant")
