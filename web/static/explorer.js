// The web explorer: asks the JSON API the question its address holds and shows the answers.
//
// The address is the question: /?stream=S&as_of=D&known_at=K&actor=A. Every change pushes a new address;
// back and forward restore it; a reload or a link shows the same view. Every stored string reaches the page
// through textContent (never as markup), with control characters shown as visible symbols. A reader token,
// when the server asks for one, is kept in this module's memory only: no cookie, no storage.
// The page follows /api/subscribe through fetch (so a token can be sent, which EventSource cannot) and asks
// again what an appended event changes, saying so in the notice at the top.

const STANCES = ["supporting", "considering", "in_talks", "undecided", "declined"];
const STANCE_WORDS = {
  supporting: "supporting",
  considering: "considering",
  in_talks: "in talks",
  undecided: "undecided",
  declined: "declined",
};
const QUOTE_WORDS = {
  verified: "verified",
  not_found: "not found",
  text_absent: "unverified: source text not attached",
  no_quote: "no quote",
};
const RECONNECT_MS = 2000;
const DAY_MS = 86400000;

const question = { stream: null, asOf: null, knownAt: null, actor: null };
let token = null; // the reader token, for this tab only
let generation = 0; // answers to an older question are dropped
let span = null; // { first: Date, last: Date } of the chosen stream
let names = new Map();
let chartUrls = [];
let following = null; // the AbortController of the subscription
let lastPosition = null;
let pending = [];
let pendingTimer = null;

const $ = (id) => document.getElementById(id);

// -- text and elements -----------------------------------------------------------------------------

/** Return a stored string with its control characters shown as symbols (an escape sequence stays inert text). */
function visible(value) {
  if (value === null || value === undefined) return "";
  return String(value).replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => {
    const code = c.charCodeAt(0);
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    if (code === 0x7f) return "\u2421";
    return `[U+${code.toString(16).toUpperCase().padStart(4, "0")}]`;
  });
}

/** Make an element: attributes set as properties, text through textContent, children appended. */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (name === "text") node.textContent = visible(value);
    else if (name === "class") node.className = value;
    else if (name === "on") for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler);
    else if (name === "data") for (const [key, item] of Object.entries(value)) node.dataset[key] = item;
    else node.setAttribute(name, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === "string" ? document.createTextNode(visible(child)) : child);
  }
  return node;
}

function clear(node) {
  node.replaceChildren();
  return node;
}

function nameOf(code) {
  return names.get(code) || code;
}

function actorLabel(code) {
  const name = nameOf(code);
  return name === code ? code : `${name} (${code})`;
}

// -- the address -----------------------------------------------------------------------------------

function readAddress() {
  const params = new URLSearchParams(window.location.search);
  question.stream = params.get("stream") || null;
  question.asOf = params.get("as_of") || null;
  question.knownAt = params.get("known_at") || null;
  question.actor = params.get("actor") || null;
}

function address() {
  const params = new URLSearchParams();
  if (question.stream) params.set("stream", question.stream);
  if (question.asOf) params.set("as_of", question.asOf);
  if (question.knownAt) params.set("known_at", question.knownAt);
  if (question.actor) params.set("actor", question.actor);
  const query = params.toString();
  return query ? `/?${query}` : "/";
}

function pushAddress() {
  const next = address();
  if (next !== window.location.pathname + window.location.search) window.history.pushState(null, "", next);
}

// -- the API ---------------------------------------------------------------------------------------

class Refused extends Error {
  constructor(status, message, hint) {
    super(message);
    this.status = status;
    this.hint = hint;
  }
}

function headers() {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

function url(path, params = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (Array.isArray(value)) value.forEach((item) => query.append(name, item));
    else if (value !== null && value !== undefined && value !== "") query.set(name, value);
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

async function ask(path, params = {}, kind = "json") {
  const response = await fetch(url(path, params), { headers: headers() });
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    let hint = null;
    try {
      const body = await response.json();
      if (body && body.error) {
        message = body.error.message || message;
        hint = body.error.hint || null;
      }
    } catch {
      // not a JSON refusal: the status says enough
    }
    throw new Refused(response.status, message, hint);
  }
  const position = response.headers.get("X-Log-Position");
  if (position !== null && (lastPosition === null || Number(position) > lastPosition)) {
    lastPosition = Number(position);
  }
  return kind === "blob" ? response.blob() : response.json();
}

async function learnNames(codes) {
  const unknown = [...new Set(codes)].filter((code) => code && !names.has(code));
  if (!unknown.length) return;
  const answer = await ask("/api/names", { code: unknown });
  for (const [code, name] of Object.entries(answer.names)) names.set(code, name);
}

// -- problems and the token ------------------------------------------------------------------------

function showProblem(error) {
  const problem = $("problem");
  if (!error) {
    problem.hidden = true;
    problem.textContent = "";
    return;
  }
  if (error instanceof Refused && error.status === 401) {
    $("token-form").hidden = false;
    problem.textContent = token
      ? "That token was refused: enter a reader token."
      : "This server needs a reader token: enter it above.";
    problem.hidden = false;
    $("token").focus();
    return;
  }
  const hint = error.hint ? ` (${error.hint})` : "";
  problem.textContent = visible(`${error.message}${hint}`);
  problem.hidden = false;
}

// -- days ------------------------------------------------------------------------------------------

function utcDay(year, month, day) {
  return new Date(Date.UTC(year, month - 1, day));
}

function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

/** Return the earliest and latest day of one EDTF date of the log's subset (2025, 2025-03, 2025-03-10, qualifiers). */
function edtfBounds(part) {
  const match = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?[?~%]*$/.exec(part.trim());
  if (!match) return null;
  const year = Number(match[1]);
  if (!match[2]) return [utcDay(year, 1, 1), utcDay(year, 12, 31)];
  const month = Number(match[2]);
  if (!match[3]) return [utcDay(year, month, 1), new Date(utcDay(year, month + 1, 1) - DAY_MS)];
  const day = utcDay(year, month, Number(match[3]));
  return [day, day];
}

function occurredBounds(occurred) {
  const parts = String(occurred || "").split("/").map(edtfBounds);
  const found = parts.filter(Boolean);
  if (!found.length) return null;
  return [found[0][0], found[found.length - 1][1]];
}

function spanOf(events) {
  let first = null;
  let last = null;
  for (const event of events) {
    const bounds = occurredBounds(event.occurred);
    if (!bounds) continue;
    if (first === null || bounds[0] < first) first = bounds[0];
    if (last === null || bounds[1] > last) last = bounds[1];
  }
  return first ? { first, last } : null;
}

function setDateControls() {
  const range = $("as-of-range");
  const field = $("as-of-date");
  if (span) {
    const days = Math.round((span.last - span.first) / DAY_MS);
    range.max = String(days);
    field.min = isoDay(span.first);
    field.max = isoDay(span.last);
    let index = days;
    if (question.asOf && /^\d{4}-\d{2}-\d{2}$/.test(question.asOf)) {
      const chosen = new Date(`${question.asOf}T00:00:00Z`);
      index = Math.min(days, Math.max(0, Math.round((chosen - span.first) / DAY_MS)));
    }
    range.value = String(index);
    range.setAttribute("aria-valuetext", question.asOf || `latest (${isoDay(span.last)} and after)`);
  }
  field.value = question.asOf && /^\d{4}-\d{2}-\d{2}$/.test(question.asOf) ? question.asOf : "";
  $("known-at").value = question.knownAt || "";
}

function rangeDay() {
  if (!span) return null;
  return isoDay(new Date(span.first.getTime() + Number($("as-of-range").value) * DAY_MS));
}

// -- the streams -----------------------------------------------------------------------------------

async function loadStreams() {
  const answer = await ask("/api/streams");
  const select = clear($("stream"));
  const streams = answer.streams.slice();
  if (question.stream && !streams.includes(question.stream)) streams.push(question.stream);
  for (const name of streams) select.append(el("option", { value: name, text: name }));
  if (!question.stream && streams.length) question.stream = streams.includes(answer.default) ? answer.default : streams[0];
  if (question.stream) select.value = question.stream;
  if (!streams.length) throw new Refused(404, "the log holds no events yet", "import or append events first");
}

// -- the view --------------------------------------------------------------------------------------

async function show() {
  const mine = ++generation;
  const current = () => mine === generation;
  try {
    if (!question.stream) await loadStreams();
    const base = { stream: question.stream, known_at: question.knownAt };
    const asked = { ...base, as_of: question.asOf };
    // asked together; the state is shown as soon as it is answered, the rest as each arrives
    const asking = [ask("/api/state", asked), ask("/api/timeline", base), ask("/api/audit", { stream: question.stream })];
    asking.forEach((answer) => answer.catch(() => {})); // each is awaited below: a refusal is shown once
    const state = await asking[0];
    await learnNames(Object.keys(state.members));
    if (!current()) return;
    showProblem(null);
    document.querySelector("main").classList.remove("stale");
    renderSummary(state);
    renderMembers(state);
    $("position").textContent = `Answered at log position ${state.position}.`;
    const actor = renderActor(mine);
    const charts = renderCharts(mine);
    [actor, charts].forEach((shown) => shown.catch(() => {})); // awaited below
    const timeline = await asking[1];
    await learnNames(timeline.events.map((event) => event.actor));
    if (!current()) return;
    span = spanOf(timeline.events);
    setDateControls();
    renderTimeline(timeline, state.as_of);
    const audit = await asking[2];
    if (!current()) return;
    renderAudit(audit);
    await Promise.all([charts, actor]);
  } catch (error) {
    if (!current()) return;
    showProblem(error);
    document.querySelector("main").classList.add("stale"); // what is shown answers an earlier question
  }
}

function renderSummary(state) {
  const known = state.known_at ? `, as the log stood at ${state.known_at}` : "";
  const day = question.asOf ? state.as_of : `${state.as_of} (today)`;
  $("question-said").textContent = visible(`${state.stream} as of ${day}${known}.`);
  const counts = clear($("stance-counts"));
  for (const stance of STANCES) {
    const count = state.stance_counts[stance] || 0;
    counts.append(el("li", { class: `stance-${stance}`, text: `${STANCE_WORDS[stance]}: ${count}` }));
  }
  const sizes = clear($("sizes"));
  const reported = state.reported_sizes || { participants: state.reported_size };
  for (const [subject, size] of Object.entries(reported)) {
    if (!size || (!size.claims.length && size.named_floor === null)) continue;
    const latest = size.latest ? claimText(size.latest) : "no claim yet";
    const floor = size.named_floor === null ? null : el("span", { text: ` · named floor: ${size.named_floor}` });
    sizes.append(
      el(
        "p",
        { class: "size", id: `size-${subject}` },
        el("span", { text: `Reported ${subject === "participants" ? "size" : subject}: ` }),
        el("span", { class: "figure", text: latest }),
        floor,
      ),
    );
    if (size.claims.length) {
      sizes.append(
        el(
          "ol",
          { class: "claims", "aria-label": `Every ${subject} claim as of this day` },
          size.claims.map((claim) =>
            el(
              "li",
              {},
              `${claimText(claim)} — ${claim.attributed_to || "unattributed"}, ${claim.occurred} `,
              eventLink(claim.event),
            ),
          ),
        ),
      );
    }
  }
}

function claimText(claim) {
  if (claim.raw) return claim.raw;
  const words = { "=": "", "~": "about ", ">": "more than ", ">=": "at least ", "<": "fewer than ", "<=": "up to " };
  return `${words[claim.comparator] ?? claim.comparator}${claim.amount}`;
}

/** Return a vocabulary word as people write it (rules_of_engagement: rules of engagement). */
function word(value) {
  return String(value).replaceAll("_", " ");
}

function listText(values) {
  return values && values.length ? values.map(word).join(", ") : "—";
}

function renderMembers(state) {
  const body = clear($("members").tBodies[0]);
  const codes = Object.keys(state.members).sort((a, b) => nameOf(a).localeCompare(nameOf(b)));
  $("no-members").hidden = codes.length > 0;
  for (const code of codes) {
    const member = state.members[code];
    const tentative = new Set(member.tentative_offers || []);
    const offers = el(
      "td",
      {},
      member.offers.length ? "" : "—",
      member.offers.map((offer, index) =>
        el("span", { class: tentative.has(offer) ? "tentative" : null }, `${index ? ", " : ""}${word(offer)}${tentative.has(offer) ? " (tentative)" : ""}`),
      ),
      member.offered_earlier && member.offered_earlier.length
        ? el("span", { class: "earlier", text: ` earlier: ${listText(member.offered_earlier)}` })
        : null,
    );
    const button = el(
      "button",
      { type: "button", class: "actor", data: { actor: code }, "aria-controls": "actor-panel" },
      nameOf(code),
    );
    button.addEventListener("click", (event) => {
      event.stopPropagation();
      chooseActor(code);
    });
    const row = el(
      "tr",
      { id: `member-${code}`, data: { actor: code }, class: code === question.actor ? "chosen" : null },
      el("th", { scope: "row" }, button, el("span", { class: "meta", text: ` ${code}` })),
      el("td", { class: `stance stance-${member.stance}`, text: STANCE_WORDS[member.stance] || member.stance }),
      offers,
      el("td", { text: listText(member.ruled_out) }),
      el("td", { text: listText(member.conditions) }),
      el("td", { text: member.since ? member.since.replace("/", "/\u200b") : "—" }),
    );
    row.addEventListener("click", () => chooseActor(code));
    body.append(row);
  }
}

function eventLink(id) {
  if (!id) return null;
  return el(
    "button",
    { type: "button", class: "link event-id", on: { click: () => goToEvent(id) }, title: "Show this event in the timeline" },
    id,
  );
}

function goToEvent(id) {
  if (!goTo(`event-${id}`)) showProblem(new Error(`event ${id} is not in this stream's timeline`));
}

/** Scroll to an element of the page, mark it and give it the focus; say whether it was there. */
function goTo(elementId) {
  const target = document.getElementById(elementId);
  if (!target) return false;
  document.querySelectorAll(".highlight").forEach((node) => node.classList.remove("highlight"));
  target.classList.add("highlight");
  target.scrollIntoView({ block: "center" });
  target.focus();
  return true;
}

function quoteBlock(source) {
  const status = source.status || null;
  return el(
    "div",
    { class: "source" },
    el(
      "p",
      { class: "meta" },
      [source.publisher, source.title, source.published].filter(Boolean).join(" · ") || source.source,
      el("span", { class: "meta", text: ` [${source.source}]` }),
      status ? el("span", { class: `status status-${status}`, text: QUOTE_WORDS[status] || status }) : null,
    ),
    source.quote ? el("blockquote", { class: "quote", text: source.quote }) : null,
  );
}

function eventItem(event, props = {}) {
  const when = event.occurred_text ? `${event.occurred} (${event.occurred_text})` : event.occurred;
  return el(
    "li",
    props,
    el(
      "p",
      {},
      el("strong", { text: when }),
      ` · ${actorLabel(event.actor)} · ${event.type} `,
      el("span", { class: "meta event-id", text: event.id }),
    ),
    event.changed && event.changed.length ? el("p", { class: "changed", text: `changed: ${event.changed.join("; ")}` }) : null,
    event.changed_nothing_because ? el("p", { class: "changed", text: `changed nothing: ${event.changed_nothing_because}` }) : null,
    event.note ? el("p", { class: "meta", text: `note: ${event.note}` }) : null,
    (event.sources || []).map(quoteBlock),
  );
}

function renderTimeline(timeline, asOf) {
  const list = clear($("timeline-events"));
  const chosen = new Date(`${asOf}T00:00:00Z`);
  for (const event of timeline.events) {
    const bounds = occurredBounds(event.occurred);
    const later = bounds && bounds[1] > chosen;
    const item = eventItem(event, { id: `event-${event.id}`, tabindex: "-1", class: later ? "later" : null });
    if (later) item.firstChild.append(el("span", { class: "meta", text: " · after the chosen day" }));
    list.append(item);
  }
}

function renderAudit(audit) {
  $("audit-said").textContent = visible(
    `${audit.errors} error${audit.errors === 1 ? "" : "s"}, ${audit.warnings} warning${audit.warnings === 1 ? "" : "s"}.`,
  );
  const list = clear($("audit-findings"));
  for (const finding of audit.findings) {
    list.append(
      el(
        "li",
        {},
        el("span", { class: `severity-${finding.severity}`, text: `${finding.severity}: ` }),
        `${finding.message} `,
        finding.events.map((id) => (id.startsWith("source:") ? el("span", { class: "meta", text: id }) : eventLink(id))),
      ),
    );
  }
}

async function renderCharts(mine) {
  const params = { stream: question.stream, known_at: question.knownAt, to: question.asOf };
  const [size, stances] = await Promise.all([
    ask("/api/chart/size.svg", params, "blob"),
    ask("/api/chart/stances.svg", params, "blob"),
  ]);
  if (mine !== generation) return;
  chartUrls.forEach((made) => URL.revokeObjectURL(made));
  chartUrls = [URL.createObjectURL(size), URL.createObjectURL(stances)];
  $("size-chart").src = chartUrls[0];
  $("stance-chart").src = chartUrls[1];
}

// -- the actor panel -------------------------------------------------------------------------------

function chooseActor(code) {
  question.actor = code;
  pushAddress();
  document.querySelectorAll("#members tr.chosen").forEach((row) => row.classList.remove("chosen"));
  const row = document.getElementById(`member-${code}`);
  if (row) row.classList.add("chosen");
  const mine = generation;
  renderActor(mine, true).catch(showProblem);
}

async function renderActor(mine, focus = false) {
  const panel = $("actor-panel");
  if (!question.actor) {
    panel.hidden = true;
    return;
  }
  const params = { stream: question.stream, as_of: question.asOf, known_at: question.knownAt };
  const actor = encodeURIComponent(question.actor);
  const [why, history] = await Promise.all([
    ask(`/api/why/${actor}`, params),
    ask(`/api/history/${actor}`, params),
  ]);
  await learnNames([
    why.actor,
    ...why.events.map((event) => event.actor),
    ...history.history.map((entry) => entry.event.actor),
  ]);
  if (mine !== generation) return;
  $("actor-title").textContent = visible(actorLabel(why.actor));
  const member = why.member;
  $("actor-standing").textContent = visible(
    member
      ? `${STANCE_WORDS[member.stance] || member.stance} since ${member.since} (as of ${why.as_of})`
      : `not a member as of ${why.as_of}`,
  );
  const facts = clear($("actor-facts"));
  for (const fact of why.facts) {
    facts.append(
      el(
        "li",
        {},
        el("strong", { text: `${fact.fact.replace("_", " ")}: ${fact.value}` }),
        " — from ",
        fact.events.map((id) =>
          el(
            "button",
            { type: "button", class: "link event-id", on: { click: () => goTo(`why-${encodeURIComponent(id)}`) } },
            id,
          ),
        ),
        fact.note ? el("span", { class: "meta", text: ` (${fact.note})` }) : null,
      ),
    );
  }
  if (!why.facts.length) facts.append(el("li", { text: "no fact as of this day" }));
  const events = clear($("actor-events"));
  const behind = new Set(why.facts.flatMap((fact) => fact.events));
  for (const event of why.events) {
    const item = eventItem(event, {
      id: `why-${encodeURIComponent(event.id)}`,
      tabindex: "-1",
      class: behind.has(event.id) ? "behind" : null,
    });
    if (behind.has(event.id)) item.firstChild.append(el("span", { class: "meta", text: " · behind a fact" }));
    events.append(item);
  }
  for (const event of why.set_aside) {
    events.append(eventItem(event, { class: "set-aside" }));
    events.lastChild.firstChild.append(el("span", { class: "meta", text: " · set aside by a correction or retraction" }));
  }
  const list = clear($("actor-history"));
  for (const entry of history.history) {
    const after = entry.stance ? `${STANCE_WORDS[entry.stance] || entry.stance}` : "not a member";
    const offers = entry.offers.length ? `; offers ${entry.offers.join(", ")}` : "";
    const ruled = entry.ruled_out.length ? `; rules out ${entry.ruled_out.join(", ")}` : "";
    list.append(
      el(
        "li",
        {},
        el("strong", { text: entry.event.occurred }),
        ` ${entry.event.type} (${actorLabel(entry.event.actor)}) → ${after}${offers}${ruled} `,
        eventLink(entry.event.id),
      ),
    );
  }
  panel.hidden = false;
  if (focus) $("actor-title").focus();
}

function closeActor() {
  const code = question.actor;
  question.actor = null;
  pushAddress();
  $("actor-panel").hidden = true;
  document.querySelectorAll("#members tr.chosen").forEach((row) => row.classList.remove("chosen"));
  const button = code && document.querySelector(`#member-${CSS.escape(code)} button.actor`);
  if (button) button.focus();
}

// -- live ------------------------------------------------------------------------------------------

function frameOf(text) {
  const frame = { id: null, event: null, data: [] };
  for (const line of text.split("\n")) {
    if (!line || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "id") frame.id = value;
    else if (field === "event") frame.event = value;
    else if (field === "data") frame.data.push(value);
  }
  return frame;
}

async function follow() {
  if (following) following.abort();
  const controller = new AbortController();
  following = controller;
  let after = lastPosition;
  while (!controller.signal.aborted) {
    try {
      const response = await fetch(url("/api/subscribe", { after }), { headers: headers(), signal: controller.signal });
      if (!response.ok || !response.body) throw new Refused(response.status, "the subscription was refused");
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value.replace(/\r\n?/g, "\n");
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const frame = frameOf(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          if (frame.id !== null && frame.data.length) {
            after = Number(frame.id);
            arrived(JSON.parse(frame.data.join("\n")));
          }
        }
      }
    } catch (error) {
      if (controller.signal.aborted) return;
      if (error instanceof Refused && error.status === 401) return; // the token form says it
    }
    await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
  }
}

function arrived(event) {
  if (event.stream !== question.stream) return;
  pending.push(event);
  clearTimeout(pendingTimer);
  pendingTimer = setTimeout(() => {
    const batch = pending;
    pending = [];
    const last = batch[batch.length - 1];
    const what = `${last.type}${last.actor ? ` (${actorLabel(last.actor)})` : ""}`;
    const notice = $("live");
    notice.textContent = visible(
      batch.length === 1 ? `1 new event: ${what}` : `${batch.length} new events, the last: ${what}`,
    );
    notice.classList.add("fresh");
    setTimeout(() => notice.classList.remove("fresh"), 4000);
    show();
  }, 150);
}

// -- the controls ----------------------------------------------------------------------------------

function commit() {
  pushAddress();
  show();
}

function bind() {
  $("question").addEventListener("submit", (event) => {
    event.preventDefault();
    question.asOf = $("as-of-date").value || null;
    question.knownAt = $("known-at").value.trim() || null;
    commit();
  });
  $("stream").addEventListener("change", () => {
    question.stream = $("stream").value;
    question.actor = null;
    commit();
  });
  $("as-of-range").addEventListener("input", () => {
    const day = rangeDay();
    $("as-of-date").value = day || "";
    $("as-of-range").setAttribute("aria-valuetext", day || "");
  });
  $("as-of-range").addEventListener("change", () => {
    question.asOf = rangeDay();
    commit();
  });
  $("as-of-date").addEventListener("change", () => {
    const value = $("as-of-date").value;
    if (value && value === question.asOf) return;
    question.asOf = value || null;
    commit();
  });
  $("as-of-latest").addEventListener("click", () => {
    question.asOf = null;
    commit();
  });
  $("known-at").addEventListener("change", () => {
    question.knownAt = $("known-at").value.trim() || null;
    commit();
  });
  $("actor-close").addEventListener("click", closeActor);
  $("token-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    token = $("token").value.trim() || null;
    $("token").value = "";
    $("token-form").hidden = true;
    await start();
  });
  window.addEventListener("popstate", () => {
    readAddress();
    setDateControls();
    if ($("stream").value !== question.stream && question.stream) $("stream").value = question.stream;
    show();
  });
}

async function start() {
  try {
    await loadStreams();
  } catch (error) {
    showProblem(error);
    return;
  }
  await show();
  follow();
}

readAddress();
bind();
start();
