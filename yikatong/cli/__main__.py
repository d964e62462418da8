"""`python -m yikatong.cli`: the same as the `yikatong` console script."""

from yikatong.cli import main

main()
