"""Load benchmarks of the Hostolink API, loopback only and bounded in time.

`python -m bench` runs every scenario group; `python -m bench onboarding` runs one.
See bench/README.md.
"""
