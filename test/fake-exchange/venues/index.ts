export { startVenueFake, VENUE_DIALECTS, BUILTIN_VENUE_KEYS, type VenueFake, type VenueId } from "./server";
export type { VenueKey, VenueKeyRights } from "./types";
