"""One module per ``mdnorm`` subcommand (click only; the logic lives in the package)."""
