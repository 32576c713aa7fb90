"""Work done away from requests: the projector glue and the email sender. Imports
persistence, services and projections; never web or an audience."""
