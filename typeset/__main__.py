from typeset.cli import run

run()
