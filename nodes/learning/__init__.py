"""Learning a crew's router from its experiences: fitting and gating a candidate
(:mod:`.train`) and a router that follows the registry's current version (:mod:`.live_router`)."""
