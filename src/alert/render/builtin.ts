// The templates Vigie ships: `default` (used when a route names none) and `seed` (the tutorial's, verbatim).

/**
 * The built-in alert: a bold state line with an emoji, then target, message and time in the configured zone.
 * Markdown, so it also gets HTML; the heartbeat's own message is preferred to Kuma's `msg`, which repeats name and state.
 */
export const DEFAULT_TEMPLATE = [
  "{%- case status -%}",
  "{%- when 'down' -%}🔴 **DOWN — {{ name }}**",
  "{%- when 'up' -%}✅ **UP — {{ name }}**",
  "{%- when 'pending' -%}🟡 **PENDING — {{ name }}**",
  "{%- when 'maintenance' -%}🔧 **MAINTENANCE — {{ name }}**",
  "{%- when 'certificate' -%}⚠️ **CERTIFICATE — {{ name }}**",
  "{%- else -%}⚠️ **TEST — {{ name }}**",
  "{%- endcase %}",
  "{% if hostnameOrURL != '' %}Target: {{ hostnameOrURL }}",
  "{% endif %}{% if heartbeatJSON.msg %}Message: {{ heartbeatJSON.msg }}{% else %}Message: {{ msg }}{% endif %}",
  'Time: {{ "now" | date: "%Y-%m-%d %H:%M:%S %Z" }}',
].join('\n');

/** Section 4 of the seed tutorial, copied exactly: the template its author meant to work (it does in Vigie). */
export const SEED_TEMPLATE =
  '{% if status == \'1\' %}\n' +
  '✅ SERVICE EN LIGNE\n' +
  '{% else %}\n' +
  '🚨 ALERTE : SERVICE HORS LIGNE\n' +
  '{% endif %}\n' +
  '\n' +
  '🖥️ Service : {{ name }}\n' +
  '🌐 Cible : {{ hostnameOrURL }}\n' +
  '💬 Message : {{ msg }}\n' +
  '⏰ Heure : {{ "now" | date: "%d/%m/%Y %H:%M" }}\n' +
  '\n';

/** Templates available without any configuration; a template of the same name in the config replaces one. */
export const BUILTIN_TEMPLATES: Readonly<Record<string, string>> = {
  default: DEFAULT_TEMPLATE,
  seed: SEED_TEMPLATE,
  // Text from Uptime Kuma that Vigie cannot read as an alert (a custom body or template): shown as Kuma wrote it.
  'kuma-text': '{{ msg }}',
};
