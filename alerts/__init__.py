"""Early warning: rules by place and category, evaluation on each report, the alert lifecycle.

Empty until its issue lands. Like stats/, it reads clear metadata only: nothing under
alerts/ may import keys, content or crypto, directly or through another module
(tests/test_layers.py).
"""
