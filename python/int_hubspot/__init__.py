"""int-hubspot: the package layer of a gateway for HubSpot marketplace apps.

This package contains pure logic only (signature verification policy, OCEL 2.0 normalization, settings
parsing). It does no network I/O and never imports the service layer, `int_hubspot_service`.
"""

__version__ = "0.1.0"
