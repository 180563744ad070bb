"""Placeholder until the board lands: says what `make demo` will start."""


def main() -> None:
    print("The promotion board is being built: `make demo` will start it on the embedded simulator.")


if __name__ == "__main__":
    main()
