"""The online channel: a signed-in citizen drafts, checks and sends an opinion, then
follows, prints, withdraws or appeals it. An audience: no other audience is imported."""
