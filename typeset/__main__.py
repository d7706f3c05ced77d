from typeset.cli import main

main(prog_name="paiban")
