"""Start moto's server with the per-group rule limit lifted, so a 1,000-rule group can be described.

moto hard-codes 60 ingress rules per VPC group in
SecurityGroupBackend._verify_group_will_respect_rule_count_limit (bench-notes.md); no setting changes it.
Usage: python moto_server.py -H 127.0.0.1 -p PORT
"""

import sys

from moto.ec2.models.security_groups import SecurityGroupBackend
from moto.server import main

SecurityGroupBackend._verify_group_will_respect_rule_count_limit = lambda *args, **kwargs: None

if __name__ == "__main__":
    main(sys.argv[1:])
