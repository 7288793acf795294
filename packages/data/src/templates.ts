// Consent templates: the grants owners make most, with the least each purpose needs (GDPR Art. 5(1)(b)-(c):
// purpose limitation and data minimisation). A template fills scopes, purpose and duration; the owner still signs
// the resulting consent and may narrow it.
export type ConsentTemplate = {
  id: string;
  title: string;
  /** Who typically receives it (a consortium role). */
  granteeRole: string;
  scopes: string[];
  purpose: string;
  days: number;
};

export const consentTemplates: readonly ConsentTemplate[] = [
  {
    id: "insurer-ubi",
    title: "Usage-based insurance",
    granteeRole: "INSURER",
    scopes: ["telemetry", "driving_behaviour"],
    purpose: "usage-based insurance pricing",
    days: 365,
  },
  {
    id: "repair-diagnostics",
    title: "Repair and maintenance",
    granteeRole: "SUPPLIER",
    scopes: ["diagnostics", "battery"],
    purpose: "diagnosis and repair of the vehicle",
    days: 30,
  },
  {
    id: "oem-warranty",
    title: "Warranty and recalls",
    granteeRole: "OEM",
    scopes: ["diagnostics", "battery", "telemetry"],
    purpose: "warranty handling and safety recalls",
    days: 730,
  },
  {
    id: "bank-financing",
    title: "Vehicle financing",
    granteeRole: "BANK",
    scopes: ["telemetry", "battery"],
    purpose: "collateral valuation for vehicle financing",
    days: 180,
  },
  {
    id: "regulator-accident",
    title: "Accident investigation",
    granteeRole: "REGULATOR",
    scopes: ["location", "telemetry", "v2x_events"],
    purpose: "investigation of a road accident",
    days: 90,
  },
];

export function consentTemplate(id: string): ConsentTemplate | undefined {
  return consentTemplates.find((t) => t.id === id);
}
