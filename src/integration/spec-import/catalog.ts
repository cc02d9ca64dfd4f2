/**
 * What Leadwire's normalized lead can give a buyer field: each lead path (and the computed values
 * built from them), its type, what kind of value it is (phone, date, state …), which vertical
 * has it, and the names buyers' docs use for it. Names are compared compacted: lower case,
 * letters and digits only (`First_Name`, `firstName`, `FIRSTNAME` → `firstname`).
 */
import type { Compute } from "../mapping/schema";

export type ValueKind =
  | "id"
  | "text"
  | "name"
  | "email"
  | "phone"
  | "street"
  | "city"
  | "state"
  | "zip"
  | "date"
  | "instant"
  | "boolean"
  | "integer"
  | "money"
  | "enum"
  | "ip"
  | "url";

/** One thing the lead can supply. */
export interface LeadSource {
  /** Shown to people: `lead.first_name`, `full_name(first_name, last_name)`. */
  label: string;
  rule: { from: string } | { compute: Compute };
  type: "string" | "number" | "integer" | "boolean";
  kind: ValueKind;
  /** The vertical whose leads carry it (vertical-specific `fields.*`); none = every lead. */
  vertical?: string;
  /** Intake guarantees it on every accepted lead. */
  alwaysPresent: boolean;
  /** The values a normalized lead can hold, when that set is closed. */
  values?: readonly string[];
  /** Typical values of a free-text field (for proposing enum translations). */
  typical?: readonly string[];
  /** Compacted names buyers use for it. */
  names: readonly string[];
}

const from = (path: string): { from: string } => ({ from: path });
const compute = (fn: string, args: string[], options?: Compute["options"]): { compute: Compute } => ({
  compute: options ? { fn, args, options } : { fn, args },
});

/** Every source the matcher may choose, most specific first. */
export const LEAD_SOURCES: readonly LeadSource[] = [
  {
    label: "lead.id",
    rule: from("id"),
    type: "string",
    kind: "id",
    alwaysPresent: true,
    names: [
      "id",
      "sourceref",
      "partnerref",
      "reference",
      "referenceid",
      "ref",
      "externalid",
      "externalleadid",
      "partnerleadid",
      "sourceleadid",
      "vendorleadid",
      "clientleadid",
      "publisherleadid",
      "affiliateleadid",
      "leadref",
      "leadreference",
      "uniqueid",
      "transactionid",
      "requestid",
    ],
  },
  {
    label: "lead.first_name",
    rule: from("first_name"),
    type: "string",
    kind: "name",
    alwaysPresent: true,
    names: ["firstname", "fname", "first", "givenname", "forename", "namefirst"],
  },
  {
    label: "lead.last_name",
    rule: from("last_name"),
    type: "string",
    kind: "name",
    alwaysPresent: true,
    names: ["lastname", "lname", "last", "surname", "familyname", "namelast"],
  },
  {
    label: "full_name(first_name, last_name)",
    rule: compute("full_name", ["first_name", "last_name"]),
    type: "string",
    kind: "name",
    alwaysPresent: true,
    names: ["name", "fullname", "contactname", "customername", "applicantname", "clientname", "borrowername", "leadname", "consumername", "namefull"],
  },
  {
    label: "lead.email",
    rule: from("email"),
    type: "string",
    kind: "email",
    alwaysPresent: true,
    names: ["email", "emailaddress", "email1", "primaryemail", "contactemail", "emailaddr", "mail"],
  },
  {
    label: "lead.phone",
    rule: from("phone"),
    type: "string",
    kind: "phone",
    alwaysPresent: true,
    names: [
      "phone",
      "phonenumber",
      "phone1",
      "primaryphone",
      "homephone",
      "phonehome",
      "dayphone",
      "daytimephone",
      "telephone",
      "tel",
      "contactphone",
      "phoneprimary",
      "mainphone",
      "bestphone",
      "phonenumberprimary",
      "phonesnumber",
      "cellphone",
      "mobilephone",
      "mobile",
      "cell",
    ],
  },
  {
    label: "lead.phone_secondary",
    rule: from("phone_secondary"),
    type: "string",
    kind: "phone",
    alwaysPresent: false,
    names: ["phone2", "secondaryphone", "altphone", "alternatephone", "workphone", "phonework", "eveningphone", "otherphone", "phonesecondary"],
  },
  {
    label: "lead.address.street",
    rule: from("address.street"),
    type: "string",
    kind: "street",
    alwaysPresent: true,
    names: [
      "address",
      "street",
      "streetaddress",
      "address1",
      "addressline1",
      "addr1",
      "line1",
      "streetline1",
      "street1",
      "addressstreet",
      "homeaddress",
      "mailingaddress",
      "propertyaddress",
    ],
  },
  {
    label: "street_number(address.street)",
    rule: compute("street_number", ["address.street"]),
    type: "string",
    kind: "text",
    alwaysPresent: false,
    names: ["streetnumber", "housenumber", "streetno", "houseno", "addressnumber"],
  },
  {
    label: "street_name(address.street)",
    rule: compute("street_name", ["address.street"]),
    type: "string",
    kind: "text",
    alwaysPresent: false,
    names: ["streetname"],
  },
  {
    label: "lead.address.city",
    rule: from("address.city"),
    type: "string",
    kind: "city",
    alwaysPresent: true,
    names: ["city", "town", "addresscity", "propertycity"],
  },
  {
    label: "lead.address.state",
    rule: from("address.state"),
    type: "string",
    kind: "state",
    alwaysPresent: true,
    names: ["state", "st", "statecode", "stateabbr", "stateabbreviation", "province", "region", "addressstate", "propertystate", "statename", "stateprovince"],
  },
  {
    label: "lead.address.zip",
    rule: from("address.zip"),
    type: "string",
    kind: "zip",
    alwaysPresent: true,
    names: ["zip", "zipcode", "zip5", "postalcode", "postcode", "postal", "addresszip", "propertyzip", "propertyzipcode", "zippostalcode"],
  },
  { label: "lead.address.zip4", rule: from("address.zip4"), type: "string", kind: "text", alwaysPresent: false, names: ["zip4", "plus4", "zipplus4ext"] },
  {
    label: "lead.dob",
    rule: from("dob"),
    type: "string",
    kind: "date",
    alwaysPresent: false,
    names: ["dob", "dateofbirth", "birthdate", "birthday", "birthdt", "dobdate", "bday", "borrowerdob", "applicantdob"],
  },
  {
    label: "age(dob)",
    rule: compute("age", ["dob"]),
    type: "integer",
    kind: "integer",
    alwaysPresent: false,
    names: ["age", "applicantage", "borrowerage", "ageyears"],
  },
  {
    label: "lead.homeowner",
    rule: from("homeowner"),
    type: "boolean",
    kind: "boolean",
    alwaysPresent: false,
    names: [
      "homeowner",
      "ishomeowner",
      "ownhome",
      "ownshome",
      "homeownership",
      "propertyowner",
      "owner",
      "ownrent",
      "ownorrent",
      "rentown",
      "residencetype",
      "homeownerstatus",
    ],
  },
  {
    label: "lead.ip_address",
    rule: from("ip_address"),
    type: "string",
    kind: "ip",
    alwaysPresent: false,
    names: ["ip", "ipaddress", "ipaddr", "clientip", "userip", "remoteip", "ipv4", "consumerip", "leadip", "ipaddressofuser"],
  },
  {
    label: "lead.user_agent",
    rule: from("user_agent"),
    type: "string",
    kind: "text",
    alwaysPresent: false,
    names: ["useragent", "ua", "browser", "browseragent"],
  },
  {
    label: "lead.consent.trustedform_cert_url",
    rule: from("consent.trustedform_cert_url"),
    type: "string",
    kind: "url",
    alwaysPresent: false,
    names: [
      "trustedform",
      "trustedformurl",
      "trustedformcerturl",
      "trustedformcertid",
      "trustedformcertificate",
      "trustedformcert",
      "xxtrustedformcerturl",
      "tfcerturl",
      "certurl",
      "certificateurl",
      "trustedformcertificateurl",
      "trustedformtoken",
    ],
  },
  {
    label: "lead.consent.jornaya_leadid",
    rule: from("consent.jornaya_leadid"),
    type: "string",
    kind: "text",
    alwaysPresent: false,
    names: ["jornaya", "jornayaleadid", "jornayaid", "leadidtoken", "universalleadid", "leadidcode", "jornayatoken", "leadiduniversal"],
  },
  {
    label: "lead.consent.tcpa_text",
    rule: from("consent.tcpa_text"),
    type: "string",
    kind: "text",
    alwaysPresent: false,
    names: ["tcpatext", "tcpalanguage", "consenttext", "tcpaconsenttext", "disclosure", "disclosuretext", "consentlanguage", "tcpadisclosure"],
  },
  {
    label: "lead.consent.consented_at",
    rule: from("consent.consented_at"),
    type: "string",
    kind: "instant",
    alwaysPresent: false,
    names: [
      "consentdate",
      "consentedat",
      "optindate",
      "optintime",
      "optinat",
      "consenttimestamp",
      "tcpadate",
      "tcpatimestamp",
      "consenttime",
      "optintimestamp",
    ],
  },
  {
    label: "lead.received_at",
    rule: from("received_at"),
    type: "string",
    kind: "instant",
    alwaysPresent: true,
    names: [
      "leaddate",
      "datecreated",
      "createdat",
      "submittedat",
      "submitdate",
      "timestamp",
      "leadtimestamp",
      "receivedat",
      "postdate",
      "leadcreated",
      "capturedat",
    ],
  },
  {
    label: "lead.test",
    rule: from("test"),
    type: "boolean",
    kind: "boolean",
    alwaysPresent: true,
    names: ["test", "istest", "testlead", "testmode", "lptest", "testflag", "sandbox"],
  },
  {
    label: "lead.vertical",
    rule: from("vertical"),
    type: "string",
    kind: "enum",
    alwaysPresent: true,
    values: ["auto_insurance", "mortgage", "solar", "legal"],
    names: ["vertical", "leadtype", "producttype", "category", "leadcategory", "insurancetype"],
  },
  {
    label: "lead.source_id",
    rule: from("source_id"),
    type: "string",
    kind: "id",
    alwaysPresent: true,
    names: ["subid", "sourceid", "affiliatesubid", "trafficsource", "subsource"],
  },
  // ---- auto insurance
  {
    label: "lead.fields.vehicle_year",
    rule: from("fields.vehicle_year"),
    type: "integer",
    kind: "integer",
    vertical: "auto_insurance",
    alwaysPresent: false,
    names: ["vehicleyear", "year", "vehyear", "vehicle1year", "caryear", "modelyear", "autoyear"],
  },
  {
    label: "lead.fields.vehicle_make",
    rule: from("fields.vehicle_make"),
    type: "string",
    kind: "text",
    vertical: "auto_insurance",
    alwaysPresent: false,
    names: ["vehiclemake", "make", "vehmake", "vehicle1make", "carmake", "automake"],
  },
  {
    label: "lead.fields.vehicle_model",
    rule: from("fields.vehicle_model"),
    type: "string",
    kind: "text",
    vertical: "auto_insurance",
    alwaysPresent: false,
    names: ["vehiclemodel", "model", "vehmodel", "vehicle1model", "carmodel", "automodel"],
  },
  {
    label: "lead.fields.incidents",
    rule: from("fields.incidents"),
    type: "integer",
    kind: "integer",
    vertical: "auto_insurance",
    alwaysPresent: false,
    names: ["incidents", "incidents3yr", "numincidents", "accidents", "numaccidents", "violations", "claims", "accidentsviolations", "incidentcount"],
  },
  {
    label: "lead.fields.currently_insured",
    rule: from("fields.currently_insured"),
    type: "boolean",
    kind: "boolean",
    vertical: "auto_insurance",
    alwaysPresent: false,
    names: [
      "currentlyinsured",
      "insured",
      "isinsured",
      "hasinsurance",
      "currentinsurance",
      "continuouscoverage",
      "hascoverage",
      "insurednow",
      "insurancestatus",
    ],
  },
  // ---- mortgage
  {
    label: "lead.fields.loan_amount",
    rule: from("fields.loan_amount"),
    type: "number",
    kind: "money",
    vertical: "mortgage",
    alwaysPresent: false,
    names: ["loanamount", "loanamt", "requestedamount", "mortgageamount", "amountrequested", "loanamountrequested", "desiredloanamount", "loanvalue"],
  },
  {
    label: "lead.fields.property_value",
    rule: from("fields.property_value"),
    type: "number",
    kind: "money",
    vertical: "mortgage",
    alwaysPresent: false,
    names: [
      "propertyvalue",
      "homevalue",
      "estimatedvalue",
      "estvalue",
      "estimatedhomevalue",
      "estimatedpropertyvalue",
      "marketvalue",
      "appraisedvalue",
      "propvalue",
    ],
  },
  {
    label: "lead.fields.loan_purpose",
    rule: from("fields.loan_purpose"),
    type: "string",
    kind: "enum",
    vertical: "mortgage",
    alwaysPresent: false,
    values: ["purchase", "refinance", "cash_out", "heloc"],
    names: ["loanpurpose", "purpose", "loantype", "mortgagepurpose", "transactiontype", "purposeofloan", "loanreason"],
  },
  {
    label: "lead.fields.credit_rating",
    rule: from("fields.credit_rating"),
    type: "string",
    kind: "enum",
    vertical: "mortgage",
    alwaysPresent: false,
    values: ["excellent", "good", "fair", "poor"],
    names: ["creditrating", "credit", "creditscore", "creditgrade", "creditprofile", "selfcreditrating", "estimatedcredit", "creditrange", "creditestimate"],
  },
  {
    label: "ltv(loan_amount, property_value)",
    rule: compute("ltv", ["fields.loan_amount", "fields.property_value"]),
    type: "number",
    kind: "money",
    vertical: "mortgage",
    alwaysPresent: false,
    names: ["ltv", "loantovalue", "loanltv", "ltvratio", "ltvpercent"],
  },
  // ---- solar
  {
    label: "lead.fields.monthly_electric_bill",
    rule: from("fields.monthly_electric_bill"),
    type: "number",
    kind: "money",
    vertical: "solar",
    alwaysPresent: false,
    names: [
      "monthlyelectricbill",
      "electricbill",
      "monthlybill",
      "powerbill",
      "utilitybill",
      "electricitybill",
      "averagebill",
      "avgbill",
      "averagemonthlybill",
      "monthlyutilitybill",
      "electricbillamount",
    ],
  },
  {
    label: "lead.fields.roof_shade",
    rule: from("fields.roof_shade"),
    type: "string",
    kind: "enum",
    vertical: "solar",
    alwaysPresent: false,
    values: ["none", "partial", "full"],
    names: ["roofshade", "shade", "shading", "roofshading", "sunexposure", "shadelevel"],
  },
  // ---- legal
  {
    label: "lead.fields.case_type",
    rule: from("fields.case_type"),
    type: "string",
    kind: "text",
    vertical: "legal",
    alwaysPresent: false,
    typical: [
      "auto accident",
      "medical malpractice",
      "workers comp",
      "slip and fall",
      "personal injury",
      "wrongful death",
      "truck accident",
      "motorcycle accident",
    ],
    names: ["casetype", "practicearea", "mattertype", "injurytype", "claimtype", "legalissue", "case", "typeofcase", "casecategory"],
  },
  {
    label: "lead.fields.incident_date",
    rule: from("fields.incident_date"),
    type: "string",
    kind: "date",
    vertical: "legal",
    alwaysPresent: false,
    names: ["incidentdate", "accidentdate", "dateofincident", "dateofaccident", "injurydate", "dateofinjury", "lossdate", "eventdate"],
  },
  {
    label: "lead.fields.description",
    rule: from("fields.description"),
    type: "string",
    kind: "text",
    vertical: "legal",
    alwaysPresent: false,
    names: [
      "description",
      "casedescription",
      "comments",
      "summary",
      "details",
      "casedetails",
      "notes",
      "narrative",
      "incidentdescription",
      "whathappened",
      "casesummary",
    ],
  },
];

/** Compacts a name for comparison: `First_Name` → `firstname`. */
export function compact(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** The verticals whose vertical-specific fields a source belongs to (all, for common fields). */
export const VERTICALS = ["auto_insurance", "mortgage", "solar", "legal"] as const;
