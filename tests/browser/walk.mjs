// A real-browser walk of `qyzmet serve --demo` in headless Debian Chromium,
// through the web pages alone (no API calls): a citizen applies on the portal,
// a State Corporation operator takes a paper application with a representative,
// the provider's executor and head take both cases to their results, the
// citizen reads them in three languages and the supervisor checks the audit.
//
//   node tests/browser/walk.mjs BASE_URL ARTIFACTS_DIR
//
// Every page visited is saved as a numbered full-page PNG in ARTIFACTS_DIR.
// Exits non-zero with a message on any failed expectation, any error page
// (`#error-message`), any HTTP error response or any console error.
// CHROMIUM names the browser binary (default /usr/bin/chromium).

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';

const REG = 'kyzylorda/2015-141/unemployed-registration';
const PROVIDER = 'kyzylorda-city';
const CITIZEN = '900101300037';
const OPERATOR = 'kyzylorda-city.sc';
const EXECUTOR = 'kyzylorda-city.executor';
const HEAD = 'kyzylorda-city.head';
const SUPERVISOR = 'supervisor';
// g. the authoring page (docs/authoring.md).
const ANALYST = 'analyst';
const PASSWORD = 'demo';
// f. the appeal: a West Kazakhstan case (the region whose regulations
// refer to appeals; docs/appeals.md).
const WK_REG = 'west-kazakhstan/2016-122/unemployed-certificate';
const WK_APPEAL = 'west-kazakhstan/2016-122/appeal';
const WK_PROVIDER = 'wko-uralsk';
const WK_CITIZEN = '850315400124';
const WK_CLERK = 'wko-uralsk.office-clerk';
const WK_HEAD = 'wko-uralsk.head';
const WK_EXECUTOR = 'wko-uralsk.executor';
const REPRESENTATIVE = 'Әлия Серікқызы Жұмабаева';
const POWER_OF_ATTORNEY = '№ 15, 2026-11-02';

const [baseArg, artifactsArg] = process.argv.slice(2);
if (!baseArg || !artifactsArg) {
  console.error('usage: node walk.mjs BASE_URL ARTIFACTS_DIR');
  process.exit(2);
}
const base = baseArg.replace(/\/+$/, '');
const artifacts = path.resolve(artifactsArg);

class WalkFailure extends Error {}

function fail(message) {
  throw new WalkFailure(message);
}

function expect(condition, message) {
  if (!condition) fail(message);
}

/** A small valid one-page PDF (the server sniffs `%PDF-`). */
function tinyPdf(line) {
  const text = `BT /F1 14 Tf 72 770 Td (${line.replace(/[()\\]/g, '\\$&')}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R ' +
      '/Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${text.length} >>\nstream\n${text}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets = [];
  objects.forEach((body, index) => {
    offsets.push(out.length);
    out += `${index + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) out += `${String(offset).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

// Console errors tolerated, each with the reason; printed as warnings.
// The server has no /favicon.ico and the pages link no icon, so Chromium's own
// favicon request logs a 404 on every first page of a context.
const TOLERATED = [];
const warnings = new Set();

let shots = 0;
let lastPage = null;

/** One person with their own browser context (cookies, language). */
async function actor(browser, name) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const person = { name, context, page, problems: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') {
      const source = message.location()?.url;
      const tolerated = TOLERATED.find((known) => known.test(message.text(), source));
      if (tolerated) {
        warnings.add(tolerated.reason);
        return;
      }
      person.problems.push(
        `console error on ${page.url()}: ${message.text()}${source && source !== page.url() ? ` (${source})` : ''}`,
      );
    }
  });
  page.on('pageerror', (error) => {
    person.problems.push(`uncaught exception on ${page.url()}: ${error.message}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) {
      person.problems.push(`HTTP ${response.status()} for ${response.request().method()} ${response.url()}`);
    }
  });
  page.on('requestfailed', (request) => {
    person.problems.push(`request failed: ${request.method()} ${request.url()}: ${request.failure()?.errorText}`);
  });
  return person;
}

/** Saves a numbered full-page screenshot of what `person` sees now. */
async function snap(person, label, note) {
  const { page } = person;
  lastPage = { person, label };
  shots += 1;
  const file = `${String(shots).padStart(2, '0')}-${person.name}-${label}.png`;
  await page.screenshot({ path: path.join(artifacts, file), fullPage: true });
  const where = new URL(page.url());
  console.log(`${file}  ${where.pathname}${where.search}${note ? `  (${note})` : ''}`);
}

/** Checks and records the page just reached: screenshot, error page, problems. */
async function arrive(person, label, response) {
  const { page } = person;
  await snap(person, label);
  const error = page.locator('#error-message');
  if ((await error.count()) > 0) {
    const code = await error.getAttribute('data-code');
    fail(
      `${person.name}: ${label}: error page at ${page.url()} ` +
        `(${await page.title()}, code ${code}): ${(await error.innerText()).trim()}`,
    );
  }
  if (response && response.status() >= 400) {
    fail(`${person.name}: ${label}: HTTP ${response.status()} at ${page.url()}`);
  }
  problems(person, label);
}

function problems(person, label) {
  if (person.problems.length > 0) {
    fail(`${person.name}: ${label}:\n  ${person.problems.join('\n  ')}`);
  }
}

async function go(person, label, target) {
  const response = await person.page.goto(base + target, { waitUntil: 'load' });
  await arrive(person, label, response);
}

/** Runs `action` (a click that submits or follows a link) and waits for the new page. */
async function follow(person, label, action) {
  const [response] = await Promise.all([
    person.page.waitForNavigation({ waitUntil: 'load' }),
    action(),
  ]);
  await arrive(person, label, response);
}

function pathOf(person) {
  return new URL(person.page.url()).pathname;
}

async function htmlLang(person) {
  return person.page.evaluate(() => document.documentElement.lang);
}

async function signIn(person, login, landing) {
  await go(person, 'login', '/login');
  await person.page.fill('#login', login);
  await person.page.fill('#password', PASSWORD);
  await follow(person, `signed-in-${landing.slice(1)}`, () => person.page.click('#login-submit'));
  expect(pathOf(person) === landing, `${person.name}: after sign-in expected ${landing}, got ${person.page.url()}`);
  const who = (await person.page.locator('header .who').innerText()).trim();
  expect(who.length > 0, `${person.name}: the header names nobody after sign-in`);
}

async function signOut(person) {
  await follow(person, 'signed-out', () => person.page.click('#logout'));
  expect(pathOf(person) === '/', `${person.name}: after sign-out expected /, got ${person.page.url()}`);
  expect((await person.page.locator('#nav-login').count()) === 1, `${person.name}: still signed in after #logout`);
}

async function caseStatus(person) {
  return person.page.locator('#case-status').getAttribute('data-status');
}

/**
 * Reloads the case page until its status is `wanted`: a portal case waits in
 * `submitted` until the outbox has asked the state systems (docs/gateway.md).
 */
async function awaitStatus(person, caseId, wanted, label) {
  const deadline = Date.now() + 15000;
  let status = await caseStatus(person);
  while (status !== wanted && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    await person.page.reload({ waitUntil: 'load' });
    status = await caseStatus(person);
  }
  await arrive(person, label, null);
  expect(status === wanted, `${person.name}: case ${caseId} is ${status}, expected ${wanted}`);
}

async function openCase(person, caseId, label) {
  await go(person, label, `/cases/${caseId}`);
  const shown = (await person.page.locator('#case-id').innerText()).trim();
  expect(shown === caseId, `${person.name}: /cases/${caseId} shows case ${shown}`);
}

/** On the case page: the open task at `step`, with the buttons this person may press. */
function task(person, step) {
  return person.page.locator(`div.task[data-step="${step}"]`);
}

/**
 * Opens the case, finds the task at `step` and presses `button` in it
 * (`[data-outcome=…]` or `[data-action=complete]`); optionally claims it first.
 * `here`: the person has just opened the case page (no reload).
 */
async function doTask(person, caseId, step, button, { claim = false, here = false } = {}) {
  if (!here) await openCase(person, caseId, `case-${step}`);
  const open = task(person, step);
  expect((await open.count()) === 1, `${person.name}: case ${caseId} has no open task at ${step} (status ${await caseStatus(person)})`);
  if (claim) {
    const claimButton = open.locator('button[data-action="claim"]');
    expect((await claimButton.count()) === 1, `${person.name}: no claim button on ${caseId} ${step}`);
    await follow(person, `claimed-${step}`, () => claimButton.click());
    expect(
      (await task(person, step).locator('button[data-action="claim"]').count()) === 0,
      `${person.name}: ${step} of ${caseId} can still be claimed after claiming it`,
    );
    const line = await task(person, step).locator('.muted').innerText();
    expect(line.includes(person.login), `${person.name}: ${step} of ${caseId} is not shown as assigned to ${person.login}: ${line}`);
  }
  const press = task(person, step).locator(button);
  expect((await press.count()) === 1, `${person.name}: no ${button} on ${caseId} ${step}`);
  await follow(person, `done-${step}`, () => press.click());
  expect(
    (await task(person, step).count()) === 0,
    `${person.name}: ${step} of ${caseId} is still open after ${button}`,
  );
}

async function walk(browser) {
  const citizen = await actor(browser, 'citizen');
  const operator = await actor(browser, 'operator');
  const executor = await actor(browser, 'executor');
  const head = await actor(browser, 'head');
  const supervisor = await actor(browser, 'supervisor');
  citizen.login = CITIZEN;
  operator.login = OPERATOR;
  executor.login = EXECUTOR;
  head.login = HEAD;
  supervisor.login = SUPERVISOR;

  // a. The citizen applies on the portal with an uploaded PDF.
  console.log('# a. citizen applies on the portal');
  await go(citizen, 'catalogue-anonymous', '/');
  expect((await htmlLang(citizen)) === 'kk', `the default language is not Kazakh: <html lang="${await htmlLang(citizen)}">`);
  await follow(citizen, 'login-page', () => citizen.page.click('#nav-login'));
  await citizen.page.fill('#login', CITIZEN);
  await citizen.page.fill('#password', PASSWORD);
  await follow(citizen, 'cabinet-empty', () => citizen.page.click('#login-submit'));
  expect(pathOf(citizen) === '/cabinet', `citizen: after sign-in expected /cabinet, got ${citizen.page.url()}`);
  await follow(citizen, 'catalogue', () => citizen.page.click('header nav a[href="/"]'));
  const applyLink = citizen.page.locator(`a[data-service="${REG}"]`);
  expect((await applyLink.count()) === 1, `citizen: the catalogue has no apply link for ${REG}`);
  await follow(citizen, 'apply-form', () => applyLink.click());
  expect(pathOf(citizen) === `/apply/${REG}`, `citizen: the apply link led to ${citizen.page.url()}`);
  await citizen.page.selectOption('#provider', PROVIDER);
  const pdf = tinyPdf(`Application of ${CITIZEN} for registration as unemployed`);
  await writeFile(path.join(artifacts, 'application.pdf'), pdf);
  await citizen.page.setInputFiles('input[name="file:application"]', {
    name: 'application.pdf',
    mimeType: 'application/pdf',
    buffer: pdf,
  });
  await citizen.page.check('#consent');
  await snap(citizen, 'apply-form-filled', 'before submitting');
  await follow(citizen, 'sign-page', () => citizen.page.click('#apply-submit'));
  expect(/^\/drafts\/[^/]+$/.test(pathOf(citizen)), `citizen: after applying expected the signing page /drafts/<id>, got ${citizen.page.url()}`);
  const signedText = (await citizen.page.locator('pre.signed-text').textContent()) || '';
  expect(
    signedText.includes('qyzmet.portal-request/1') && signedText.includes(CITIZEN),
    `citizen: the signing page does not show the request to sign with the applicant's IIN: ${signedText.slice(0, 200)}`,
  );
  // Signing goes through NCALayer's WebSocket protocol (here `qyzmet signer`
  // with the citizen's demo key); the page then files the signed request.
  await follow(citizen, 'case-submitted', () => citizen.page.click('#ncalayer-sign'));
  expect(/^\/cases\/[^/]+$/.test(pathOf(citizen)), `citizen: after applying expected /cases/<id>, got ${citizen.page.url()}`);
  const portalCase = (await citizen.page.locator('#case-id').innerText()).trim();
  expect(pathOf(citizen) === `/cases/${portalCase}`, `citizen: #case-id ${portalCase} differs from the URL ${citizen.page.url()}`);
  // The state systems are asked by the outbox, then the case is at the provider.
  await awaitStatus(citizen, portalCase, 'in_progress', 'case-in-progress');
  expect(
    (await citizen.page.locator('main').innerText()).includes('application.pdf'),
    `citizen: the uploaded application.pdf is not listed on case ${portalCase}`,
  );
  await follow(citizen, 'cabinet-with-case', () => citizen.page.click('#nav-cabinet'));
  expect(
    (await citizen.page.locator(`table a[href="/cases/${portalCase}"]`).count()) === 1,
    `citizen: case ${portalCase} is not in /cabinet`,
  );
  console.log(`portal case: ${portalCase}`);

  // b. The service centre takes a paper application with a representative.
  console.log('# b. service-centre operator takes a paper application');
  await signIn(operator, OPERATOR, '/centre');
  await follow(operator, 'ticket', () => operator.page.click('#take-ticket'));
  const ticket = (await operator.page.locator('#ticket').innerText()).trim();
  expect(/^[A-Z]-\d+$/.test(ticket), `operator: queue ticket looks wrong: "${ticket}"`);
  console.log(`queue ticket: ${ticket}`);
  const centreLink = operator.page.locator(`a[data-service="${REG}"]`);
  expect((await centreLink.count()) === 1, `operator: /centre has no service link for ${REG}`);
  await follow(operator, 'apply-form', () => centreLink.click());
  const documentTitles = await operator.page
    .locator('ol.documents > li > div')
    .evaluateAll((divs) => divs.map((div) => div.firstChild.textContent.trim()));
  expect(documentTitles.length >= 2, `operator: the apply form lists ${documentTitles.length} document(s)`);
  for (const id of ['identity-document', 'application']) {
    expect(
      await operator.page.locator(`input[name="doc:${id}"]`).isChecked(),
      `operator: document ${id} is not checked by default`,
    );
  }
  const providerChoices = await operator.page.locator('#provider option').evaluateAll((options) => options.map((o) => o.value));
  expect(providerChoices.includes(PROVIDER), `operator: provider ${PROVIDER} not offered: ${providerChoices}`);
  await operator.page.selectOption('#provider', PROVIDER);
  await operator.page.fill('#applicant', CITIZEN);
  await operator.page.fill('#representative', REPRESENTATIVE);
  await operator.page.fill('#power_of_attorney', POWER_OF_ATTORNEY);
  await operator.page.check('#consent');
  await snap(operator, 'apply-form-filled', 'before submitting');
  await follow(operator, 'case-submitted', () => operator.page.click('#apply-submit'));
  const centreCase = (await operator.page.locator('#case-id').innerText()).trim();
  expect(centreCase && centreCase !== portalCase, `operator: no new case id after applying (${centreCase})`);
  console.log(`service-centre case: ${centreCase}`);
  await doTask(operator, centreCase, 'sc-2', 'button[data-outcome="accepted"]', { here: true });
  expect(
    (await caseStatus(operator)) === 'in_progress',
    `operator: case ${centreCase} is ${await caseStatus(operator)} after acceptance`,
  );
  const receiptLink = operator.page.locator('#receipt-link');
  expect((await receiptLink.count()) === 1, `operator: no #receipt-link on accepted case ${centreCase}`);
  await follow(operator, 'receipt', () => receiptLink.click());
  expect(pathOf(operator) === `/cases/${centreCase}/receipt`, `operator: receipt link led to ${operator.page.url()}`);
  const receipt = await operator.page.locator('article.receipt').innerText();
  for (const title of documentTitles) {
    expect(receipt.includes(title), `operator: the receipt does not name the document "${title}":\n${receipt}`);
  }
  expect(receipt.includes(OPERATOR), `operator: the receipt does not name the operator ${OPERATOR}:\n${receipt}`);
  expect(receipt.includes(REPRESENTATIVE), `operator: the receipt does not name the representative:\n${receipt}`);
  expect(receipt.includes(centreCase), `operator: the receipt does not give case number ${centreCase}`);
  // The print button calls window.print (stubbed: headless has no dialog).
  await operator.page.evaluate(() => {
    window.__printed = 0;
    window.print = () => {
      window.__printed += 1;
    };
  });
  await operator.page.click('[data-print]');
  expect((await operator.page.evaluate(() => window.__printed)) === 1, 'operator: the receipt print button does not print');
  await operator.page.emulateMedia({ media: 'print' });
  await snap(operator, 'receipt-print-media', 'as printed; also receipt.pdf');
  expect(!(await operator.page.locator('[data-print]').isVisible()), 'operator: the print button is printed on the receipt');
  await operator.page.pdf({ path: path.join(artifacts, 'receipt.pdf'), format: 'A4' });
  await operator.page.emulateMedia({ media: 'screen' });
  problems(operator, 'receipt');
  await doTask(operator, centreCase, 'sc-3', 'button[data-action="complete"]');

  // c. The provider's head and executor take both cases to their results.
  console.log('# c. executor and head process both cases');
  await signIn(head, HEAD, '/desk');
  await openCase(head, centreCase, 'case-before-assign');
  expect((await head.page.locator('#executor').count()) === 1, `head: no assign form on case ${centreCase}`);
  await head.page.fill('#executor', EXECUTOR);
  await snap(head, 'assign-form-filled', 'before assigning');
  await follow(head, 'executor-assigned', () => head.page.click('#assign-submit'));
  expect(
    (await head.page.locator('dl.facts').innerText()).includes(EXECUTOR),
    `head: case ${centreCase} does not name executor ${EXECUTOR} after assigning`,
  );

  await signIn(executor, EXECUTOR, '/desk');
  const rows = executor.page.locator('#work-list tr[data-task]');
  expect((await rows.count()) >= 2, `executor: /desk lists ${await rows.count()} task(s), expected at least 2`);
  for (const caseId of [portalCase, centreCase]) {
    const row = executor.page.locator('#work-list tr[data-task]', {
      has: executor.page.locator(`a[href="/cases/${caseId}"]`),
    });
    expect((await row.count()) >= 1, `executor: case ${caseId} is not in the work list`);
    const left = (await row.first().locator('td').last().innerText()).trim();
    expect(left && left !== '—' && /\d/.test(left), `executor: no time left shown for case ${caseId}: "${left}"`);
    console.log(`time left on ${caseId}: ${left}`);
  }
  await follow(executor, 'case-from-desk', () =>
    executor.page.locator(`#work-list a[href="/cases/${portalCase}"]`).first().click(),
  );
  await doTask(executor, portalCase, 'p-2', 'button[data-outcome="complete"]', { claim: true, here: true });
  await doTask(executor, centreCase, 'sc-4', 'button[data-action="complete"]');
  // The head signs the result itself through NCALayer (the stand-in holds
  // the head's demo key too).
  await doTask(head, portalCase, 'p-3-notice', 'button[data-sign-result]');
  expect((await caseStatus(head)) === 'completed', `head: portal case ${portalCase} is ${await caseStatus(head)} after signing`);
  await go(head, 'verify-signed-result', `/verify/${portalCase}`);
  expect(
    (await head.page.locator('#result-signature[data-valid="true"]').count()) === 1,
    `head: the verification page of ${portalCase} does not confirm the result's signature`,
  );
  await doTask(head, centreCase, 'sc-4-sign', 'button[data-sign-result]');
  await doTask(executor, centreCase, 'sc-5', 'button[data-action="complete"]');
  await doTask(operator, centreCase, 'sc-6', 'button[data-action="complete"]');
  expect(
    (await caseStatus(operator)) === 'completed',
    `operator: service-centre case ${centreCase} is ${await caseStatus(operator)} after handing out the result`,
  );
  await go(executor, 'desk-after', '/desk');
  expect(
    (await executor.page.locator(`#work-list a[href="/cases/${portalCase}"], #work-list a[href="/cases/${centreCase}"]`).count()) === 0,
    'executor: finished cases are still in the work list',
  );

  // d. The citizen reads both results, in Kazakh, Russian and English.
  console.log('# d. citizen sees both results in kk, ru, en');
  await go(citizen, 'cabinet-completed', '/cabinet');
  for (const caseId of [portalCase, centreCase]) {
    expect(
      (await citizen.page.locator(`table a[href="/cases/${caseId}"]`).count()) === 1,
      `citizen: case ${caseId} is not in /cabinet`,
    );
  }
  expect(
    (await citizen.page.locator('.status-completed').count()) >= 2,
    'citizen: /cabinet does not show both cases as completed',
  );
  for (const caseId of [centreCase, portalCase]) {
    const which = caseId === centreCase ? 'centre' : 'portal';
    await follow(citizen, `${which}-result-kk`, () => citizen.page.click(`table a[href="/cases/${caseId}"]`));
    expect((await htmlLang(citizen)) === 'kk', `citizen: case page is not in Kazakh: lang=${await htmlLang(citizen)}`);
    expect((await caseStatus(citizen)) === 'completed', `citizen: case ${caseId} is ${await caseStatus(citizen)}, expected completed`);
    const result = citizen.page.locator('#case-result');
    expect((await result.count()) === 1, `citizen: case ${caseId} shows no #case-result`);
    expect((await result.innerText()).trim().length > 0, `citizen: #case-result of ${caseId} is empty`);
    if (caseId === centreCase) await follow(citizen, 'cabinet', () => citizen.page.click('#nav-cabinet'));
  }
  const statusKk = (await citizen.page.locator('#case-status').innerText()).trim();
  const seen = new Set([statusKk]);
  for (const lang of ['ru', 'en']) {
    await follow(citizen, `portal-result-${lang}`, () => citizen.page.click(`header .langs a[hreflang="${lang}"]`));
    expect((await htmlLang(citizen)) === lang, `citizen: after choosing ${lang} the page has <html lang="${await htmlLang(citizen)}">`);
    expect((await caseStatus(citizen)) === 'completed', `citizen: case ${portalCase} is not completed in ${lang}`);
    expect((await citizen.page.locator('#case-result').count()) === 1, `citizen: no #case-result in ${lang}`);
    const status = (await citizen.page.locator('#case-status').innerText()).trim();
    expect(!seen.has(status), `citizen: the status text "${status}" is not translated into ${lang}`);
    seen.add(status);
  }
  expect(statusKk && [...seen].includes('Completed'), `citizen: English status text is not "Completed": ${[...seen]}`);
  // The choice is remembered for the following pages.
  await follow(citizen, 'cabinet-en', () => citizen.page.click('#nav-cabinet'));
  expect((await htmlLang(citizen)) === 'en', `citizen: the language choice was not remembered: lang=${await htmlLang(citizen)}`);
  await signOut(citizen);

  // e. The supervisor's dashboard and the audit of the event log.
  console.log('# e. supervisor dashboard and audit');
  await signIn(supervisor, SUPERVISOR, '/supervisor');
  const stats = supervisor.page.locator('#stats');
  expect((await stats.count()) === 1, 'supervisor: no #stats table');
  const statsText = await stats.innerText();
  const providerRows = await stats.locator(`tr[data-provider="${PROVIDER}"]`).count();
  expect(providerRows > 0, `supervisor: #stats has no row for ${PROVIDER}:\n${statsText}`);
  await follow(supervisor, 'audit', () => supervisor.page.click('#audit-link'));
  const audit = supervisor.page.locator('#audit-result');
  expect((await audit.count()) === 1, 'supervisor: no #audit-result after the audit check');
  const auditClass = (await audit.getAttribute('class')) ?? '';
  const auditText = (await audit.innerText()).trim();
  expect(auditClass.split(/\s+/).includes('ok'), `supervisor: the audit does not show the log intact: "${auditText}" (class "${auditClass}")`);
  console.log(`audit: ${auditText}`);
  // Quality monitoring: the figures of the walk's cases, with their charts.
  await follow(supervisor, 'monitoring', () => supervisor.page.click('#nav-monitoring'));
  expect(pathOf(supervisor) === '/monitoring', `supervisor: the monitoring link led to ${supervisor.page.url()}`);
  const received = Number((await supervisor.page.locator('#monitoring-totals [data-figure="received"]').innerText()).trim());
  expect(received >= 2, `supervisor: monitoring counts ${received} received application(s), expected the walk's two at least`);
  for (const chart of ['#chart-trend svg', '#chart-steps svg']) {
    expect((await supervisor.page.locator(chart).count()) === 1, `supervisor: /monitoring has no ${chart}`);
  }
  console.log(`monitoring: ${received} received`);

  for (const person of [operator, executor, head]) await signOut(person);

  // f. A refused West Kazakhstan case: its applicant appeals on the portal,
  // the provider upholds the appeal and the case is reopened.
  console.log('# f. appeal against a refusal');
  const wkCitizen = await actor(browser, 'wk-citizen');
  const wkClerk = await actor(browser, 'wk-clerk');
  const wkHead = await actor(browser, 'wk-head');
  const wkExecutor = await actor(browser, 'wk-executor');
  wkCitizen.login = WK_CITIZEN;
  wkClerk.login = WK_CLERK;
  wkHead.login = WK_HEAD;
  wkExecutor.login = WK_EXECUTOR;
  await signIn(wkClerk, WK_CLERK, '/desk');
  await go(wkClerk, 'wk-apply-form', `/apply/${WK_REG}`);
  await wkClerk.page.selectOption('#provider', WK_PROVIDER);
  await wkClerk.page.fill('#applicant', WK_CITIZEN);
  await wkClerk.page.check('#consent');
  await follow(wkClerk, 'wk-case-submitted', () => wkClerk.page.click('#apply-submit'));
  const wkCase = (await wkClerk.page.locator('#case-id').innerText()).trim();
  console.log(`west kazakhstan case: ${wkCase}`);
  await doTask(wkClerk, wkCase, 'po-1', 'button[data-action="complete"]', { here: true });
  await signIn(wkHead, WK_HEAD, '/desk');
  await doTask(wkHead, wkCase, 'po-2', 'button[data-action="complete"]');
  await signIn(wkExecutor, WK_EXECUTOR, '/desk');
  await doTask(wkExecutor, wkCase, 'po-3', 'button[data-outcome="refusal"]');
  await doTask(wkHead, wkCase, 'po-4-refusal', 'button[data-action="complete"]');
  await doTask(wkClerk, wkCase, 'po-5-refusal', 'button[data-action="complete"]');
  expect((await caseStatus(wkClerk)) === 'refused', `wk-clerk: case ${wkCase} is ${await caseStatus(wkClerk)}, expected refused`);

  await signIn(wkCitizen, WK_CITIZEN, '/cabinet');
  await openCase(wkCitizen, wkCase, 'wk-refused');
  const appealLink = wkCitizen.page.locator('#file-appeal');
  expect((await appealLink.count()) === 1, `wk-citizen: the refused case ${wkCase} offers no appeal`);
  await follow(wkCitizen, 'appeal-form', () => appealLink.click());
  expect(pathOf(wkCitizen) === `/apply/${WK_APPEAL}`, `wk-citizen: the appeal link led to ${wkCitizen.page.url()}`);
  expect(
    (await wkCitizen.page.inputValue('#f-about_case')) === wkCase,
    `wk-citizen: the appeal form does not name case ${wkCase}`,
  );
  await wkCitizen.page.selectOption('#provider', WK_PROVIDER);
  await wkCitizen.page.selectOption('#route', 'portal/provider');
  await wkCitizen.page.selectOption('#f-about', 'decision');
  await wkCitizen.page.fill('#f-grounds', 'Стандарттың 9-тармағындағы барлық құжаттар тапсырылды');
  await wkCitizen.page.check('#consent');
  await snap(wkCitizen, 'appeal-form-filled', 'before signing');
  await follow(wkCitizen, 'appeal-sign-page', () => wkCitizen.page.click('#apply-submit'));
  await follow(wkCitizen, 'appeal-submitted', () => wkCitizen.page.click('#ncalayer-sign'));
  const appealCase = (await wkCitizen.page.locator('#case-id').innerText()).trim();
  expect(appealCase && appealCase !== wkCase, `wk-citizen: no appeal case after signing (${appealCase})`);
  expect(
    (await wkCitizen.page.locator('#about-case').innerText()).trim() === wkCase,
    `wk-citizen: appeal ${appealCase} does not link case ${wkCase}`,
  );
  console.log(`appeal case: ${appealCase}`);
  await doTask(wkClerk, appealCase, 'register', 'button[data-action="complete"]');
  await doTask(wkExecutor, appealCase, 'consider', 'button[data-outcome="upheld"]');
  expect((await caseStatus(wkExecutor)) === 'completed', `wk-executor: appeal ${appealCase} is ${await caseStatus(wkExecutor)}`);
  // The server's follow-up reopens the case at the executor's decision.
  await openCase(wkCitizen, wkCase, 'wk-case-after-appeal');
  await awaitStatus(wkCitizen, wkCase, 'in_progress', 'wk-case-reopened');
  expect((await wkCitizen.page.locator('#reopened').count()) === 1, `wk-citizen: case ${wkCase} does not say it was reopened`);
  // The citizen is told in the cabinet (and by SMS to the demo's simulator).
  await go(wkCitizen, 'cabinet-notifications', '/cabinet');
  const reopenedNote = wkCitizen.page.locator(`li.notification.unread[data-kind="reopened"][data-case="${wkCase}"]`);
  const noteDeadline = Date.now() + 15000;
  while ((await reopenedNote.count()) === 0 && Date.now() < noteDeadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    await wkCitizen.page.reload({ waitUntil: 'load' });
  }
  await arrive(wkCitizen, 'cabinet-notification-unread', null);
  expect((await reopenedNote.count()) === 1, `wk-citizen: no unread notification that case ${wkCase} was reopened`);
  const upheldNote = wkCitizen.page.locator(`li.notification[data-kind="appeal_upheld"][data-case="${appealCase}"]`);
  expect((await upheldNote.count()) === 1, `wk-citizen: no notification that appeal ${appealCase} was upheld`);
  const noteText = await reopenedNote.innerText();
  expect(!noteText.includes(WK_CITIZEN), `wk-citizen: the notification shows the IIN: ${noteText}`);
  await follow(wkCitizen, 'notification-read', () => reopenedNote.locator('button[data-mark-read]').click());
  expect(
    (await wkCitizen.page.locator(`li.notification.unread[data-kind="reopened"][data-case="${wkCase}"]`).count()) === 0,
    `wk-citizen: the notification about ${wkCase} is still unread after marking it read`,
  );
  console.log(`notification read: ${noteText.split('\n')[0]}`);
  await doTask(wkExecutor, wkCase, 'po-3', 'button[data-outcome="certificate"]');
  await signIn(supervisor, SUPERVISOR, '/supervisor');
  await go(supervisor, 'monitoring-after-appeal', `/monitoring?provider=${WK_PROVIDER}`);
  const upheld = Number((await supervisor.page.locator('#monitoring-totals [data-figure="upheld"]').innerText()).trim());
  expect(upheld === 1, `supervisor: monitoring of ${WK_PROVIDER} shows ${upheld} upheld appeal(s), expected 1`);
  await signOut(supervisor);
  for (const person of [wkCitizen, wkClerk, wkHead, wkExecutor]) await signOut(person);
  for (const person of [wkCitizen, wkClerk, wkHead, wkExecutor]) {
    problems(person, 'end of walk');
    await person.context.close();
  }

  for (const person of [citizen, operator, executor, head, supervisor]) {
    problems(person, 'end of walk');
    await person.context.close();
  }

  await authoring(browser);
}

/**
 * Waits until the authoring form's last check has answered (`ready`) and
 * `condition(arg)` holds in the page.
 */
async function authoringSettled(page, condition, arg, what) {
  try {
    await page.waitForFunction(
      ([source, value]) => {
        const form = document.getElementById('authoring-form');
        if (!form || form.dataset.state !== 'ready') return false;
        const checks = {
          any: () => true,
          diagnostic: (code) => document.querySelector(`#diagnostics li.error[data-code="${code}"]`) !== null,
          noErrors: () => document.querySelectorAll('#diagnostics li.error').length === 0,
          steps: (words) => document.getElementById('preview-steps').textContent.includes(words),
        };
        return checks[source](value);
      },
      [condition, arg],
      { timeout: 15_000 },
    );
  } catch (error) {
    const state = await page.evaluate(() => document.getElementById('authoring-form')?.dataset.state);
    fail(`analyst: ${what} (form state ${state}): ${error.message.split('\n')[0]}`);
  }
}

/**
 * g. the analyst (docs/authoring.md): on the authoring page an error typed
 * into the regulation file shows as a diagnostic on its line, fixing it and
 * editing a step's text updates the step table, and the text is saved as a
 * new draft edition that is not live.
 */
async function authoring(browser) {
  const analyst = await actor(browser, 'analyst');
  const { page } = analyst;
  await signIn(analyst, ANALYST, '/authoring');
  const open = page.locator(`#authoring-regulations a[data-id="${REG}"]`);
  expect((await open.count()) === 1, `analyst: /authoring does not list ${REG}`);
  await follow(analyst, 'authoring-editor', () => open.click());
  expect(pathOf(analyst) === `/authoring/${REG}`, `analyst: the editor link led to ${page.url()}`);
  await authoringSettled(page, 'any', null, 'the editor does not start');
  const liveHash = (await page.locator('#live-hash').innerText()).trim();
  const text = page.locator('#text');
  const original = await text.inputValue();
  expect(original.includes(`id: ${REG}`), 'analyst: the editor does not hold the regulation file');
  const putCaret = async (offset) => {
    await text.focus();
    await text.evaluate((area, at) => area.setSelectionRange(at, at), offset);
  };

  // An error: the executor's step leads to a step that does not exist.
  const link = 'next: po-2';
  const at = original.indexOf(link) + link.length;
  const line = original.slice(0, at).split('\n').length;
  await putCaret(at);
  await page.keyboard.type('9');
  const unknown = page.locator('#diagnostics li.error[data-code="unknown-step"]');
  await authoringSettled(page, 'diagnostic', 'unknown-step', 'no unknown-step diagnostic after typing po-29');
  expect((await unknown.getAttribute('data-line')) === String(line), `analyst: unknown-step on line ${await unknown.getAttribute('data-line')}, expected ${line}`);
  expect((await unknown.innerText()).includes('po-29'), `analyst: the diagnostic does not name po-29: ${await unknown.innerText()}`);
  expect(await page.locator('#save-edition').isDisabled(), 'analyst: saving is offered for a text with errors');
  expect((await page.locator(`#gutter span:nth-of-type(${line})`).getAttribute('class')) === 'error', `analyst: line ${line} is not marked in the gutter`);
  expect(!(await page.locator('#preview-stale').isHidden()), 'analyst: the step table is not marked as the last valid one');
  await snap(analyst, 'authoring-error', `unknown-step on line ${line}`);

  // Fixed, then the executor's step reads the documents carefully: the
  // step table follows.
  await page.keyboard.press('Backspace');
  await authoringSettled(page, 'noErrors', null, 'the diagnostic stays after the fix');
  const words = 'құжаттарды қарайды';
  await putCaret(original.indexOf(words) + 'құжаттарды'.length);
  await page.keyboard.type(' мұқият');
  const carefully = 'құжаттарды мұқият қарайды';
  await authoringSettled(page, 'steps', carefully, 'the step table does not show the edited step');
  expect(await page.locator('#preview-stale').isHidden(), 'analyst: the valid text\'s tables are marked stale');
  expect(!(await page.locator('#save-edition').isDisabled()), 'analyst: saving is not offered for a valid text');
  expect((await page.locator('#preview-diagram svg').count()) === 1, 'analyst: no swimlane diagram');
  const hash = (await page.locator('#text-hash').innerText()).trim();
  expect(hash.startsWith('sha256:') && hash !== liveHash, `analyst: the edited text's hash ${hash} (live ${liveHash})`);
  await page.locator('#preview-steps td', { hasText: carefully }).first().scrollIntoViewIfNeeded();
  await snap(analyst, 'authoring-fixed', 'step table updated');

  // Saved as a new edition: a draft, listed, not live.
  await follow(analyst, 'authoring-saved', () => page.click('#save-edition'));
  const saved = page.locator('#saved-edition');
  expect((await saved.count()) === 1, 'analyst: no notice of the saved edition');
  expect((await saved.getAttribute('data-hash')) === hash, `analyst: saved ${await saved.getAttribute('data-hash')}, expected ${hash}`);
  expect((await page.locator(`#editions tr.edition[data-hash="${hash}"]`).count()) === 1, `analyst: edition ${hash} is not listed`);
  expect((await text.inputValue()).includes(carefully), 'analyst: the saved draft is not in the editor');
  console.log(`draft edition saved: ${hash}`);
  await go(analyst, 'regulation-still-live', `/regulations/${REG}`);
  expect(!(await page.locator('main').innerText()).includes('мұқият'), 'analyst: the draft went live on the regulation page');
  await signOut(analyst);
  problems(analyst, 'end of walk');
  await analyst.context.close();
}

async function main() {
  await mkdir(artifacts, { recursive: true });
  const started = Date.now();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  console.log(`browser: Chromium ${browser.version()}; server: ${base}; screenshots: ${artifacts}`);
  try {
    await walk(browser);
  } catch (error) {
    if (lastPage) {
      const file = path.join(artifacts, `${String(shots + 1).padStart(2, '0')}-FAILED-${lastPage.person.name}.png`);
      await lastPage.person.page.screenshot({ path: file, fullPage: true }).catch(() => {});
      console.error(`the page at failure: ${lastPage.person.page.url()} (screenshot ${file})`);
    }
    throw error;
  } finally {
    await browser.close();
  }
  for (const warning of warnings) console.log(`warning (tolerated): ${warning}`);
  console.log(`walk passed: ${shots} pages in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((error) => {
  if (error instanceof WalkFailure) {
    console.error(`walk FAILED: ${error.message}`);
  } else {
    console.error(`walk FAILED (${error.name}): ${error.stack || error}`);
  }
  process.exit(1);
});
