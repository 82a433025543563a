"""One module per ``mdnorm`` subcommand; :mod:`mdnorm.cli` registers each with one line."""
