import type { SecurityEventFilter } from "./gql/graphql";

/** The feed's filter form, as typed. */
export interface Filters {
  types: string;
  severity: string;
  organizationId: string;
}

/** The filter as the API takes it; empty fields are left out. */
export function toFilter(filters: Filters): SecurityEventFilter | null {
  const types = filters.types
    .split(",")
    .map((type) => type.trim())
    .filter(Boolean);
  const filter: SecurityEventFilter = {
    ...(types.length ? { types } : {}),
    ...(filters.severity ? { severities: [filters.severity] } : {}),
    ...(filters.organizationId.trim() ? { organizationId: filters.organizationId.trim() } : {}),
  };
  return Object.keys(filter).length ? filter : null;
}
