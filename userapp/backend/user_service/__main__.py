import sys

from user_service.cli import main

sys.exit(main())
