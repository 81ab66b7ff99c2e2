import sys

from phongtrao.cli import main

sys.exit(main())
