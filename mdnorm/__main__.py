"""``python -m mdnorm``."""

from mdnorm.cli import main

if __name__ == "__main__":
    main()
