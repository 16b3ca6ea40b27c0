"""`python -m octet ...` is the octet CLI: the binary the wheel ships beside this file (octet/bin/octet),
run in place of this process so that its exit status, output and signals are the CLI's own."""
import os
import sys


def main() -> None:
    binary = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bin", "octet")
    sys.stdout.flush()
    os.execv(binary, ["octet", *sys.argv[1:]])


if __name__ == "__main__":
    main()
