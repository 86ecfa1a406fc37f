/**
 * The JSON text of an envelope object whose values are already JSON text. Products that wrap the
 * payload (Paradym's `payload`, dbt Cloud's `data`) get the stored payload bytes embedded as they
 * are, without parsing and re-serialising up to 1 MiB per attempt, and the keys come out in the
 * order the product documents.
 */
export function envelopeJson(fields: readonly (readonly [key: string, jsonValue: string])[]): string {
  let text = '{';
  for (let i = 0; i < fields.length; i++) {
    const [key, value] = fields[i]!;
    text += `${i === 0 ? '' : ','}${JSON.stringify(key)}:${value}`;
  }
  return `${text}}`;
}
