"""One module per subcommand; ``mdnorm.cli`` registers each click command."""
