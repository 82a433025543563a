"""``python -m mdnorm``: through a running ``mdnorm daemon`` if there is one (see :mod:`mdnorm.client`)."""

from mdnorm.client import main

if __name__ == "__main__":
    main()
