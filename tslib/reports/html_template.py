"""The nbconvert template of report pages: JupyterLab's page with only local scripts.

It extends nbconvert's ``lab`` template (``index.html.j2``) and replaces every block
that loads something from the network:

- MathJax comes from ``resources.mathjax_url`` (the report's local copy, see
  :mod:`tslib.reports.assets`), configured for ``$...$`` and ``$$...$$`` math and the
  STIX-Web fonts that copy ships.
- require.js, the Jupyter widgets manager and mermaid.js are not loaded: report
  notebooks carry no widget state (a project rule) and no JavaScript or mermaid
  outputs, and all three would come from a CDN.

At the top of ``<main>`` it leaves an empty ``<header id="tslib-report-header">`` that
:mod:`tslib.reports.html` fills with the links between views and the contents.
"""

from __future__ import annotations

__all__ = ["REPORT_TEMPLATE", "REPORT_TEMPLATE_NAME"]

#: Name under which :data:`REPORT_TEMPLATE` is given to nbconvert's jinja loader.
REPORT_TEMPLATE_NAME = "tslib_report.html.j2"

#: Jinja source of the report page (extends nbconvert's ``lab/index.html.j2``).
REPORT_TEMPLATE = r"""{%- extends 'index.html.j2' -%}

{%- block html_head_js_requirejs -%}
{%- endblock html_head_js_requirejs -%}

{% block jupyter_widgets %}
{% endblock jupyter_widgets %}

{%- block html_head_js_mermaidjs -%}
{%- endblock html_head_js_mermaidjs -%}

{% block extra_css %}
<style type="text/css">
#tslib-report-header {
  max-width: 1100px;
  margin: 1em auto 0 auto;
  padding: 0.5em 1em;
  font-family: var(--jp-ui-font-family);
  font-size: var(--jp-content-font-size1);
  border-bottom: 1px solid var(--jp-border-color2);
}
#tslib-report-header .tslib-views { margin: 0 0 0.5em 0; }
#tslib-report-header nav ul { margin: 0.2em 0; padding-left: 1.4em; }
#tslib-report-header nav li { margin: 0.1em 0; }
#tslib-report-header a { color: var(--jp-content-link-color); text-decoration: underline; }
</style>
{% endblock extra_css %}

{%- block html_head_js_mathjax -%}
<script type="text/x-mathjax-config">
MathJax.Hub.Config({
  tex2jax: {
    inlineMath: [["$", "$"], ["\\(", "\\)"]],
    displayMath: [["$$", "$$"], ["\\[", "\\]"]],
    processEscapes: true,
    processEnvironments: true
  },
  TeX: {equationNumbers: {autoNumber: "AMS", useLabelIds: true}},
  "HTML-CSS": {
    availableFonts: [],
    preferredFont: null,
    webFont: "STIX-Web",
    imageFont: null,
    linebreaks: {automatic: true}
  },
  SVG: {font: "STIX-Web"},
  displayAlign: "center",
  messageStyle: "none"
});
</script>
<script src="{{ resources.mathjax_url }}"></script>
{%- endblock html_head_js_mathjax -%}

{%- block body_header -%}
{{ super() }}
<header id="tslib-report-header"></header>
{%- endblock body_header -%}
"""
