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

/**
 * The built-in group message (several alerts for one room in one message): a bold headline with the counts, then
 * one line per service with its state, target and message. Its context is `events` (each a Kuma context), `count`
 * and `counts` (by status).
 */
export const GROUP_TEMPLATE = [
  '{%- if counts.down == count -%}🔴 **{{ count }} services DOWN**',
  '{%- elsif counts.up == count -%}✅ **{{ count }} services UP**',
  '{%- else -%}⚠️ **{{ count }} alerts**',
  '{%- if counts.down > 0 %} — {{ counts.down }} down{% endif -%}',
  '{%- if counts.up > 0 %} — {{ counts.up }} up{% endif -%}',
  '{%- endif %}',
  '{% for e in events %}',
  "- {% case e.status %}{% when 'down' %}🔴{% when 'up' %}✅{% when 'pending' %}🟡{% when 'maintenance' %}🔧{% else %}⚠️{% endcase %}" +
    " **{{ e.name }}**{% if e.hostnameOrURL != '' %} — {{ e.hostnameOrURL }}{% endif %}" +
    '{% if e.heartbeatJSON.msg %}: {{ e.heartbeatJSON.msg }}{% elsif e.msg != "" %}: {{ e.msg }}{% endif %}',
  '{%- endfor %}',
  '',
  'Time: {{ "now" | date: "%Y-%m-%d %H:%M:%S %Z" }}',
].join('\n');

/** The name of the template a group of alerts is rendered with (a config template of that name replaces it). */
export const GROUP_TEMPLATE_NAME = 'group';

/** Templates available without any configuration; a template of the same name in the config replaces one. */
export const BUILTIN_TEMPLATES: Readonly<Record<string, string>> = {
  default: DEFAULT_TEMPLATE,
  seed: SEED_TEMPLATE,
  // Text from Uptime Kuma that Vigie cannot read as an alert (a custom body or template): shown as Kuma wrote it.
  'kuma-text': '{{ msg }}',
  group: GROUP_TEMPLATE,
};
