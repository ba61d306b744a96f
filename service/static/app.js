/* Soliris Match web page: a small client of the JSON API, no framework, no external asset.
 * Every text comes from the server as data and is inserted with textContent (never HTML). */
(function () {
  "use strict";

  var LANGS = ["fr", "nl", "en"];
  var KINDS = ["commune", "advisory_council", "ngo", "association", "diaspora",
               "regional_body", "expert", "other"];

  var I18N = {
    fr: {
      skip: "Aller au contenu",
      tagline: "Trouver des partenaires pour la solidarité internationale à Bruxelles",
      language: "Langue",
      search_title: "Chercher des partenaires",
      mode_legend: "Chercher des partenaires pour",
      mode_text: "une initiative",
      mode_actor: "un acteur inscrit",
      text_label: "Décrivez votre initiative",
      text_help: "En français, en néerlandais ou en anglais : ce que vous voulez faire, où et avec qui (10 000 caractères au plus).",
      text_placeholder: "Ex. : Nous voulons améliorer l'accès à l'eau potable à Kintambo (Kinshasa) avec une commune bruxelloise et la diaspora congolaise.",
      actor_search_label: "Rechercher dans le registre",
      actor_label: "Acteur",
      actor_none: "Aucun acteur trouvé",
      actor_more: { one: "… et {n} autre : tapez pour chercher", other: "… et {n} autres : tapez pour chercher" },
      registry_empty: "Le registre est vide : aucun acteur n’y est encore inscrit.",
      kind_label: "Type d'acteur",
      kind_all: "Tous les types",
      country_label: "Pays partenaire",
      country_help: "Code (CD, MA, SN…) ou nom du pays ; vide pour tous.",
      top_label: "Nombre de résultats",
      submit: "Trouver des partenaires",
      results_title: "Partenaires suggérés",
      searching: "Recherche en cours…",
      found: { one: "{n} partenaire trouvé.", other: "{n} partenaires trouvés." },
      none: "Aucun acteur ne correspond à ces critères.",
      score: "Score",
      score_parts: "Détail du score",
      semantic: "Contenu",
      geography: "Géographie",
      complementarity: "Complémentarité",
      diversity: "Diversité",
      part_lexical: "Mots communs ou apparentés",
      part_kind: "Type d’acteur",
      part_local: "Même commune",
      part_peer: "Même rôle",
      countries: "Pays partenaires",
      reasons: "Pourquoi cet acteur",
      back: "← Retour à la recherche",
      description: "Description",
      offers: "Ce qu'il offre",
      needs: "Ce qu'il recherche",
      themes: "Thèmes",
      languages: "Langues",
      commune: "Commune",
      website: "Site web",
      contact_email: "Courriel",
      actor_suggestions: "Partenaires suggérés pour cet acteur",
      loading: "Chargement…",
      error: "Erreur : ",
      network_error: "Le service ne répond pas ; réessayez dans un instant.",
      // Said before the service's own message (in English), by the error's code.
      codes: {
        invalid: "Demande refusée : ",
        not_found: "Introuvable : ",
        too_large: "Trop long : ",
        too_many_requests: "Trop de demandes ; réessayez dans un instant : ",
        unavailable: "Le service est momentanément indisponible ; réessayez plus tard ou prévenez son administrateur : ",
        internal: "Erreur du service ; prévenez son administrateur : "
      },
      need_text: "Décrivez l'initiative en quelques phrases.",
      need_actor: "Choisissez un acteur.",
      bad_top: "Le nombre de résultats doit être compris entre 1 et {n}.",
      api_docs: "Documentation de l'API",
      footer: "Suggestions indicatives : prenez toujours contact avec les acteurs avant de vous engager.",
      kinds: {
        commune: "commune", advisory_council: "conseil consultatif", ngo: "ONG",
        association: "association", diaspora: "organisation de la diaspora",
        regional_body: "organisme régional", expert: "expert·e", other: "autre acteur"
      }
    },
    nl: {
      skip: "Naar de inhoud",
      tagline: "Partners vinden voor internationale solidariteit in Brussel",
      language: "Taal",
      search_title: "Partners zoeken",
      mode_legend: "Partners zoeken voor",
      mode_text: "een initiatief",
      mode_actor: "een geregistreerde actor",
      text_label: "Beschrijf uw initiatief",
      text_help: "In het Frans, Nederlands of Engels: wat u wilt doen, waar en met wie (hoogstens 10.000 tekens).",
      text_placeholder: "Bv.: Wij willen met een Brusselse gemeente en de Congolese diaspora de toegang tot drinkwater in Kintambo (Kinshasa) verbeteren.",
      actor_search_label: "Zoeken in het register",
      actor_label: "Actor",
      actor_none: "Geen actor gevonden",
      actor_more: "… en nog {n}: typ om te zoeken",
      registry_empty: "Het register is leeg: er is nog geen enkele actor ingeschreven.",
      kind_label: "Soort actor",
      kind_all: "Alle soorten",
      country_label: "Partnerland",
      country_help: "Code (CD, MA, SN…) of naam van het land; leeg voor alle.",
      top_label: "Aantal resultaten",
      submit: "Partners zoeken",
      results_title: "Voorgestelde partners",
      searching: "Bezig met zoeken…",
      found: { one: "{n} partner gevonden.", other: "{n} partners gevonden." },
      none: "Geen enkele actor voldoet aan deze criteria.",
      score: "Score",
      score_parts: "Opbouw van de score",
      semantic: "Inhoud",
      geography: "Geografie",
      complementarity: "Complementariteit",
      diversity: "Diversiteit",
      part_lexical: "Gedeelde of verwante woorden",
      part_kind: "Soort actor",
      part_local: "Zelfde gemeente",
      part_peer: "Zelfde rol",
      countries: "Partnerlanden",
      reasons: "Waarom deze actor",
      back: "← Terug naar het zoeken",
      description: "Beschrijving",
      offers: "Wat de actor biedt",
      needs: "Wat de actor zoekt",
      themes: "Thema's",
      languages: "Talen",
      commune: "Gemeente",
      website: "Website",
      contact_email: "E-mail",
      actor_suggestions: "Voorgestelde partners voor deze actor",
      loading: "Laden…",
      error: "Fout: ",
      network_error: "De dienst antwoordt niet; probeer het zo meteen opnieuw.",
      codes: {
        invalid: "Verzoek geweigerd: ",
        not_found: "Niet gevonden: ",
        too_large: "Te lang: ",
        too_many_requests: "Te veel verzoeken; probeer het zo meteen opnieuw: ",
        unavailable: "De dienst is tijdelijk niet beschikbaar; probeer het later opnieuw of verwittig de beheerder: ",
        internal: "Fout in de dienst; verwittig de beheerder: "
      },
      need_text: "Beschrijf het initiatief in enkele zinnen.",
      need_actor: "Kies een actor.",
      bad_top: "Het aantal resultaten moet tussen 1 en {n} liggen.",
      api_docs: "API-documentatie",
      footer: "Voorstellen ter indicatie: neem altijd contact op met de actoren voor u zich engageert.",
      kinds: {
        commune: "gemeente", advisory_council: "adviesraad", ngo: "ngo",
        association: "vereniging", diaspora: "diasporaorganisatie",
        regional_body: "gewestelijke instelling", expert: "expert", other: "andere actor"
      }
    },
    en: {
      skip: "Skip to content",
      tagline: "Find partners for international solidarity in Brussels",
      language: "Language",
      search_title: "Find partners",
      mode_legend: "Find partners for",
      mode_text: "an initiative",
      mode_actor: "a registered actor",
      text_label: "Describe your initiative",
      text_help: "In French, Dutch or English: what you want to do, where and with whom (at most 10,000 characters).",
      text_placeholder: "E.g.: We want to improve access to drinking water in Kintambo (Kinshasa) with a Brussels commune and the Congolese diaspora.",
      actor_search_label: "Search the registry",
      actor_label: "Actor",
      actor_none: "No actor found",
      actor_more: "… and {n} more: type to search",
      registry_empty: "The registry is empty: no actor is registered yet.",
      kind_label: "Kind of actor",
      kind_all: "All kinds",
      country_label: "Partner country",
      country_help: "Code (CD, MA, SN…) or name of the country; empty for all.",
      top_label: "Number of results",
      submit: "Find partners",
      results_title: "Suggested partners",
      searching: "Searching…",
      found: { one: "{n} partner found.", other: "{n} partners found." },
      none: "No actor matches these criteria.",
      score: "Score",
      score_parts: "Score details",
      semantic: "Content",
      geography: "Geography",
      complementarity: "Complementarity",
      diversity: "Diversity",
      part_lexical: "Shared or related words",
      part_kind: "Kind of actor",
      part_local: "Same commune",
      part_peer: "Same role",
      countries: "Partner countries",
      reasons: "Why this actor",
      back: "← Back to the search",
      description: "Description",
      offers: "What it offers",
      needs: "What it looks for",
      themes: "Themes",
      languages: "Languages",
      commune: "Commune",
      website: "Website",
      contact_email: "E-mail",
      actor_suggestions: "Suggested partners for this actor",
      loading: "Loading…",
      error: "Error: ",
      network_error: "The service does not answer; try again in a moment.",
      codes: {
        invalid: "Request refused: ",
        not_found: "Not found: ",
        too_large: "Too long: ",
        too_many_requests: "Too many requests; try again in a moment: ",
        unavailable: "The service is unavailable for now; try again later or tell its administrator: ",
        internal: "The service failed; tell its administrator: "
      },
      need_text: "Describe the initiative in a few sentences.",
      need_actor: "Choose an actor.",
      bad_top: "The number of results must be from 1 to {n}.",
      api_docs: "API documentation",
      footer: "Suggestions are indicative: always talk with the actors before you commit.",
      kinds: {
        commune: "commune", advisory_council: "advisory council", ngo: "NGO",
        association: "association", diaspora: "diaspora organisation",
        regional_body: "regional body", expert: "expert", other: "other actor"
      }
    }
  };

  var state = {
    lang: "fr",
    lastSearch: null,      // the last request sent from the form, re-run on a language switch
    actorId: null,         // the actor shown in the actor view
    countries: {},         // partner country codes seen in the registry
    maxTop: 100            // the service's largest top (SOLIRIS_MAX_TOP), read from /api/health
  };

  function $(id) { return document.getElementById(id); }

  // A text of the interface; one given as plural forms ({one, other}) is chosen by params.n,
  // and numbers are written as the language writes them ("1 234", "1.234").
  function t(key, params) {
    var table = I18N[state.lang] || I18N.en;
    var text = table[key] !== undefined ? table[key] : I18N.en[key];
    if (text && typeof text === "object") {
      var form = new Intl.PluralRules(state.lang).select(params ? params.n : 0);
      text = text[form] !== undefined ? text[form] : text.other;
    }
    if (params) {
      Object.keys(params).forEach(function (name) {
        var value = params[name];
        text = text.replace("{" + name + "}",
                            typeof value === "number" ? value.toLocaleString(state.lang)
                                                      : String(value));
      });
    }
    return text;
  }

  function kindLabel(kind) {
    return (I18N[state.lang].kinds || {})[kind] || kind;
  }

  function countryName(code) {
    try {
      if (window.Intl && Intl.DisplayNames) {
        var name = new Intl.DisplayNames([state.lang], { type: "region" }).of(code);
        if (name && name !== code) { return name; }
      }
    } catch (e) { /* an unknown code: show it as it is */ }
    return code;
  }

  // A name in plain text (an option, the title) between "first strong isolate" and "pop
  // directional isolate": an Arabic name, or a stray override in it, cannot reorder what follows.
  function isolate(text) {
    return "\u2068" + text + "\u2069";
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  // -- language ---------------------------------------------------------------------------
  function initialLang() {
    var saved = null;
    try { saved = window.localStorage.getItem("soliris.lang"); } catch (e) { saved = null; }
    if (LANGS.indexOf(saved) >= 0) { return saved; }
    var langs = navigator.languages || [navigator.language || "fr"];
    for (var i = 0; i < langs.length; i++) {
      var code = String(langs[i]).slice(0, 2).toLowerCase();
      if (LANGS.indexOf(code) >= 0) { return code; }
    }
    return "fr";
  }

  function applyLang() {
    document.documentElement.lang = state.lang;
    $("lang").value = state.lang;
    document.querySelectorAll("[data-i18n]").forEach(function (node) {
      node.textContent = t(node.getAttribute("data-i18n"));
    });
    document.querySelectorAll("[data-i18n-placeholder]").forEach(function (node) {
      node.setAttribute("placeholder", t(node.getAttribute("data-i18n-placeholder")));
    });
    var kind = $("kind");
    Array.prototype.forEach.call(kind.options, function (option) {
      if (option.value) { option.textContent = kindLabel(option.value); }
    });
    fillCountryList();
    document.title = "Soliris Match";
  }

  function setLang(lang) {
    state.lang = LANGS.indexOf(lang) >= 0 ? lang : "fr";
    try { window.localStorage.setItem("soliris.lang", state.lang); } catch (e) { /* private mode */ }
    applyLang();
    // Reasons are written by the server in the request's language: ask again.
    if (!$("actor-view").hidden && state.actorId) {
      showActor(state.actorId, false);
    } else if (state.lastSearch) {
      runSearch(state.lastSearch, false);
    }
  }

  // -- API --------------------------------------------------------------------------------
  function api(method, path, body) {
    var options = { method: method, headers: { "Accept": "application/json" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(path, options).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (data) {
        if (!response.ok) {
          var error = (data && data.error) || { message: response.status + " " + response.statusText };
          var problem = new Error(error.message);
          problem.code = error.code || null;
          problem.field = error.field || null;
          problem.status = response.status;
          throw problem;
        }
        return data;
      });
    }, function () {
      var problem = new Error(t("network_error"));
      problem.network = true;
      throw problem;
    });
  }

  // The service writes its messages in English: they name the field and the value. A lead
  // in the page's language, by the error's code, says what happened first.
  function errorText(problem) {
    if (problem.network) { return problem.message; }
    var leads = (I18N[state.lang] || I18N.en).codes || {};
    return (leads[problem.code] || t("error")) + problem.message;
  }

  // -- search form ------------------------------------------------------------------------
  function mode() {
    return $("mode-actor").checked ? "actor" : "text";
  }

  function showMode() {
    var actor = mode() === "actor";
    $("text-fields").hidden = actor;
    $("actor-fields").hidden = !actor;
    if (actor && !$("actor").options.length) { loadActors(""); }
  }

  var actorTimer = null;
  var actorRequest = 0;
  var actorListFailed = false;

  function loadActors(q) {
    var ticket = ++actorRequest;
    var query = "/api/actors?limit=100" + (q ? "&q=" + encodeURIComponent(q) : "");
    return api("GET", query).then(function (page) {
      if (ticket !== actorRequest) { return; }
      var select = $("actor");
      var previous = select.value;
      select.textContent = "";
      if (!page.items.length) {
        select.appendChild(el("option", { value: "" }, t("actor_none")));
      }
      page.items.forEach(function (actor) {
        select.appendChild(el("option", { value: actor.id },
                              isolate(actor.name) + " (" + kindLabel(actor.kind) + ")"));
        (actor.countries || []).forEach(function (code) { state.countries[code] = true; });
      });
      if (page.total > page.items.length) {
        // Only the first page is listed: say that the search box reaches the others.
        select.appendChild(el("option", { value: "", disabled: "disabled" },
                              t("actor_more", { n: page.total - page.items.length })));
      }
      if (previous) { select.value = previous; }
      if (!select.value && select.options.length) { select.selectedIndex = 0; }
      fillCountryList();
      if (actorListFailed) {  // the error of an earlier search no longer holds
        actorListFailed = false;
        setStatus("");
      }
    }).catch(function (problem) {
      actorListFailed = true;
      setStatus(errorText(problem), true);
    });
  }

  function fillCountryList() {
    var list = $("country-list");
    list.textContent = "";
    Object.keys(state.countries).sort().forEach(function (code) {
      list.appendChild(el("option", { value: code }, countryName(code)));
    });
  }

  function setStatus(text, isError, target) {
    var node = $(target || "status");
    node.textContent = text || "";
    node.classList.toggle("error", !!isError);
    node.setAttribute("role", isError ? "alert" : "status");
  }

  function markInvalid(field) {
    ["text", "top", "country", "kind", "actor"].forEach(function (id) {
      $(id).removeAttribute("aria-invalid");
    });
    var map = { text: "text", top: "top", countries: "country", kinds: "kind" };
    var id = field && map[String(field).replace(/\[\d+\]$/, "")];
    if (id) { $(id).setAttribute("aria-invalid", "true"); }
  }

  function readForm() {
    var top = parseInt($("top").value, 10);
    if (!(top >= 1 && top <= state.maxTop)) {
      return { problem: t("bad_top", { n: state.maxTop }), field: "top" };
    }
    var search = { top: top, kinds: [], countries: [], lang: state.lang };
    if ($("kind").value) { search.kinds.push($("kind").value); }
    var country = $("country").value.trim();
    if (country) { search.countries.push(country); }
    if (mode() === "actor") {
      if (!$("actor").value) { return { problem: t("need_actor"), field: "actor" }; }
      search.actor = $("actor").value;
    } else {
      var text = $("text").value.trim();
      if (!text) { return { problem: t("need_text"), field: "text" }; }
      search.text = text;
    }
    return { search: search };
  }

  function onSubmit(event) {
    event.preventDefault();
    var form = readForm();
    if (form.problem) {
      markInvalid(form.field);
      if (form.field === "actor") { $("actor").setAttribute("aria-invalid", "true"); }
      setStatus(form.problem, true);
      $(form.field).focus();
      return;
    }
    runSearch(form.search, true);
  }

  function searchRequest(search) {
    var lang = state.lang;
    if (search.actor) {
      var params = ["top=" + search.top, "lang=" + lang];
      search.kinds.forEach(function (k) { params.push("kinds=" + encodeURIComponent(k)); });
      search.countries.forEach(function (c) { params.push("countries=" + encodeURIComponent(c)); });
      return api("GET", "/api/actors/" + encodeURIComponent(search.actor) + "/suggestions?" +
                 params.join("&"));
    }
    return api("POST", "/api/match", {
      text: search.text, top: search.top, kinds: search.kinds, countries: search.countries,
      lang: lang
    });
  }

  // An empty answer from an empty registry is not the filters' doing: say which it is.
  function explainNoResult() {
    return api("GET", "/api/health").then(function (health) {
      if (health && health.actors === 0) { setStatus(t("registry_empty")); }
    }).catch(function () { /* the answer already shown stands */ });
  }

  function runSearch(search, moveFocus) {
    state.lastSearch = search;
    var button = $("submit");
    button.disabled = true;
    $("results-section").setAttribute("aria-busy", "true");
    markInvalid(null);
    setStatus(t("searching"));
    return searchRequest(search).then(function (data) {
      renderCards($("results"), data.results);
      $("results-section").hidden = false;
      setStatus(data.count ? t("found", { n: data.count }) : t("none"));
      if (!data.count) { explainNoResult(); }
      if (moveFocus) { $("results-title").focus(); }
    }).catch(function (problem) {
      markInvalid(problem.field);
      setStatus(errorText(problem), true);
    }).then(function () {
      button.disabled = false;
      $("results-section").removeAttribute("aria-busy");
    });
  }

  // -- result cards -----------------------------------------------------------------------
  function renderCards(list, results) {
    list.textContent = "";
    results.forEach(function (result, index) {
      var item = el("li", { "class": "card result-card", "data-id": result.id });
      var head = el("div", { "class": "card-head" });
      var title = el("h3", { "class": "card-title" });
      var link = el("a", { href: "/actors/" + encodeURIComponent(result.id), "data-nav": "",
                           dir: "auto" }, result.name);
      title.appendChild(link);
      head.appendChild(el("span", { "class": "rank", "aria-hidden": "true" }, String(index + 1)));
      head.appendChild(title);
      item.appendChild(head);

      var meta = el("p", { "class": "meta" });
      meta.appendChild(el("span", { "class": "kind kind-" + result.kind }, kindLabel(result.kind)));
      if (result.commune) { meta.appendChild(el("span", { "class": "commune" }, result.commune)); }
      item.appendChild(meta);

      var countries = (result.countries || []).map(countryName);
      var where = el("p", { "class": "countries" });
      where.appendChild(el("span", { "class": "label" }, t("countries") + (state.lang === "fr" ? " :" : ":")));
      where.appendChild(document.createTextNode(" " + (countries.length ? countries.join(", ") : "—")));
      item.appendChild(where);

      var score = el("p", { "class": "score" });
      var scoreId = "score-" + list.id + "-" + index;
      score.appendChild(el("span", { "class": "label", id: scoreId }, t("score")));
      var meter = el("meter", { min: "0", max: "1", value: String(Math.max(0, Math.min(1, result.score))),
                                "aria-labelledby": scoreId });
      meter.textContent = result.score.toFixed(2);
      score.appendChild(meter);
      score.appendChild(el("strong", { "class": "score-value" }, result.score.toFixed(2)));
      item.appendChild(score);

      if (result.reasons && result.reasons.length) {
        item.appendChild(el("p", { "class": "label reasons-title" }, t("reasons")));
        var reasons = el("ul", { "class": "reasons" });
        result.reasons.forEach(function (reason) {
          reasons.appendChild(el("li", { dir: "auto" }, reason));
        });
        item.appendChild(reasons);
      }

      var details = el("details", { "class": "parts" });
      details.appendChild(el("summary", {}, t("score_parts")));
      var parts = el("dl", {});
      Object.keys(result.parts || {}).forEach(function (name) {
        var label = I18N.en["part_" + name] !== undefined ? t("part_" + name)
          : I18N.en[name] !== undefined ? t(name) : name;
        parts.appendChild(el("dt", {}, label));
        parts.appendChild(el("dd", {}, Number(result.parts[name] || 0).toFixed(3)));
      });
      details.appendChild(parts);
      item.appendChild(details);
      list.appendChild(item);
    });
  }

  // -- actor view -------------------------------------------------------------------------
  function showActor(id, moveFocus) {
    state.actorId = id;
    $("search-view").hidden = true;
    $("actor-view").hidden = false;
    $("actor-name").textContent = t("loading");
    $("actor-kind").textContent = "";
    $("actor-fields-list").textContent = "";
    $("actor-results").textContent = "";
    setStatus("", false, "actor-status");
    api("GET", "/api/actors/" + encodeURIComponent(id)).then(function (actor) {
      if (state.actorId !== id) { return; }
      renderActor(actor);
      document.title = isolate(actor.name) + " · Soliris Match";
      if (moveFocus) { $("actor-name").focus(); }
      setStatus(t("searching"), false, "actor-status");
      return api("GET", "/api/actors/" + encodeURIComponent(id) + "/suggestions?top=5&lang=" +
                 state.lang).then(function (data) {
        if (state.actorId !== id) { return; }
        renderCards($("actor-results"), data.results);
        setStatus(data.count ? t("found", { n: data.count }) : t("none"), false, "actor-status");
      });
    }).catch(function (problem) {
      $("actor-name").textContent = problem.status === 404 ? id : t("error");
      setStatus(errorText(problem), true, "actor-status");
      if (moveFocus) { $("actor-name").focus(); }
    });
  }

  function renderActor(actor) {
    $("actor-name").textContent = actor.name;
    $("actor-kind").textContent = kindLabel(actor.kind);
    var list = $("actor-fields-list");
    list.textContent = "";
    function row(key, value) {
      if (!value || (Array.isArray(value) && !value.length)) { return; }
      list.appendChild(el("dt", {}, t(key)));
      var dd = el("dd", { dir: "auto" });
      if (key === "website") {
        dd.appendChild(el("a", { href: value, rel: "noopener noreferrer" }, value));
      } else if (key === "contact_email") {
        dd.appendChild(el("a", { href: "mailto:" + value }, value));
      } else {
        dd.textContent = Array.isArray(value) ? value.join(", ") : value;
      }
      list.appendChild(dd);
    }
    row("description", actor.description);
    row("offers", actor.offers);
    row("needs", actor.needs);
    row("countries", (actor.countries || []).map(countryName));
    row("themes", actor.themes);
    row("languages", actor.languages);
    row("commune", actor.commune);
    row("website", /^https?:\/\//.test(actor.website || "") ? actor.website : "");
    row("contact_email", actor.contact_email);
  }

  function showSearch(moveFocus) {
    state.actorId = null;
    $("actor-view").hidden = true;
    $("search-view").hidden = false;
    document.title = "Soliris Match";
    if (moveFocus) { $("search-title").setAttribute("tabindex", "-1"); $("search-title").focus(); }
  }

  // -- navigation (the page's own links; the server serves /actors/{id} too) ------------------
  function route(moveFocus) {
    var match = /^\/actors\/([^/]+)\/?$/.exec(window.location.pathname);
    if (match) {
      var id;
      try { id = decodeURIComponent(match[1]); } catch (e) { id = match[1]; }
      showActor(id, moveFocus);
    } else {
      showSearch(moveFocus);
    }
  }

  function onClick(event) {
    var link = event.target.closest ? event.target.closest("a[data-nav]") : null;
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey ||
        event.ctrlKey || event.shiftKey || event.altKey) { return; }
    event.preventDefault();
    var target = link.getAttribute("href");
    if (target !== window.location.pathname) { window.history.pushState({}, "", target); }
    route(true);
  }

  // -- start ------------------------------------------------------------------------------
  function start() {
    var kind = $("kind");
    KINDS.forEach(function (code) { kind.appendChild(el("option", { value: code }, code)); });
    state.lang = initialLang();
    applyLang();
    $("lang").addEventListener("change", function (event) { setLang(event.target.value); });
    $("mode-text").addEventListener("change", showMode);
    $("mode-actor").addEventListener("change", showMode);
    $("actor-search").addEventListener("input", function (event) {
      window.clearTimeout(actorTimer);
      var q = event.target.value.trim();
      // Punctuation alone searches for nothing (the API refuses it): list everyone instead.
      if (!/[\p{L}\p{N}]/u.test(q)) { q = ""; }
      actorTimer = window.setTimeout(function () { loadActors(q); }, 250);
    });
    $("search-form").addEventListener("submit", onSubmit);
    document.addEventListener("click", onClick);
    window.addEventListener("popstate", function () { route(true); });
    loadActors("");
    loadLimits();
    route(false);
  }

  // The page asks for what the service accepts (SOLIRIS_MAX_TOP) instead of assuming 100.
  function loadLimits() {
    return api("GET", "/api/health").then(function (health) {
      if (health && health.max_top >= 1) {
        state.maxTop = health.max_top;
        $("top").setAttribute("max", String(health.max_top));
      }
    }).catch(function () { /* the default stands; the API still checks every request */ });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
