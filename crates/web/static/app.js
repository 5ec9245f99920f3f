// Progressive enhancement only: every page works without JavaScript, except
// signing, which needs NCALayer and therefore a script (a signature made
// with another tool can still be pasted into the form).
"use strict";

// Asks NCALayer (or `qyzmet signer`) to sign: one WebSocket request of
// module kz.gov.pki.knca.basics, method sign; resolves with the CMS
// signatures (base64), one per item of `args.data`. NCALayer greets a new connection with its version
// ({"result":{"version":…}}), which is not an answer.
function ncalayerSign(url, args) {
  return new Promise((resolve, reject) => {
    let socket;
    try {
      socket = new WebSocket(url);
    } catch (error) {
      reject({ missing: true, message: String(error) });
      return;
    }
    let answered = false;
    socket.onopen = () => {
      socket.send(JSON.stringify({ module: "kz.gov.pki.knca.basics", method: "sign", args }));
    };
    socket.onerror = () => {
      if (!answered) {
        answered = true;
        reject({ missing: true, message: "connection failed" });
      }
    };
    socket.onclose = () => {
      if (!answered) {
        answered = true;
        reject({ missing: true, message: "connection closed" });
      }
    };
    socket.onmessage = (event) => {
      let reply;
      try {
        reply = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      if (reply.result && reply.result.version && reply.status === undefined) {
        return; // the greeting
      }
      answered = true;
      socket.close();
      if (reply.status === true && reply.body && reply.body.result && reply.body.result.length) {
        resolve(reply.body.result);
      } else {
        reject({ missing: false, message: reply.message || reply.code || "error" });
      }
    };
  });
}

// The storages a page lets NCALayer offer keys from.
const STORAGES = ["PKCS12", "AKKaztokenStore", "AKKZIDCardStore", "AKEToken72KStore", "AKJaCartaStore"];

// The `sign` arguments for base64 `data` (one item or an array).
function signArgs(data, { encapsulate = true, signerParams = {}, lang = "kk" } = {}) {
  return {
    allowedStorages: STORAGES,
    format: "cms",
    data,
    signingParams: { decode: true, encapsulate, digested: false },
    signerParams: { extKeyUsageOids: [], ...signerParams },
    locale: lang,
  };
}

// A status line (`data-waiting`, `data-missing`, `data-failed` texts) that
// says what NCALayer is doing or why it failed.
function statusLine(element) {
  const show = (text) => {
    element.hidden = false;
    element.textContent = text;
  };
  return {
    waiting: () => show(element.dataset.waiting),
    failed: (error) =>
      show(error.missing ? element.dataset.missing : `${element.dataset.failed} ${error.message || error}`),
    say: show,
  };
}

function wireSigning(button) {
  const form = button.closest("form");
  const status = statusLine(form.querySelector("#sign-status"));
  button.addEventListener("click", async () => {
    button.disabled = true;
    status.waiting();
    const args = signArgs(form.dataset.sign, {
      signerParams: { iin: form.dataset.iin || "" },
      lang: form.dataset.lang,
    });
    try {
      const [signature] = await ncalayerSign(form.dataset.ncalayer, args);
      form.querySelector("textarea[name=signature]").value = signature;
      form.submit();
    } catch (error) {
      button.disabled = false;
      status.failed(error);
    }
  });
}

// Certificate sign-in: ask the server for a challenge, sign it with the
// authentication key, post the signature.
function wireCertificateSignIn(button) {
  const status = statusLine(document.getElementById("certificate-status"));
  button.addEventListener("click", async () => {
    button.disabled = true;
    status.waiting();
    try {
      const challenge = await fetch("/api/session/challenge", { method: "POST" }).then((r) => r.json());
      // clientAuth: NCALayer offers authentication keys only.
      const args = signArgs(btoa(challenge.challenge), {
        signerParams: { extKeyUsageOids: ["1.3.6.1.5.5.7.3.2"] },
        lang: button.dataset.lang,
      });
      const [signature] = await ncalayerSign(button.dataset.ncalayer, args);
      const reply = await fetch("/api/session/certificate", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ cms: signature }),
      });
      if (reply.ok) {
        window.location.assign(button.dataset.next || "/cabinet");
        return;
      }
      const body = await reply.json().catch(() => ({}));
      button.disabled = false;
      status.say((body.error && body.error.message) || reply.statusText);
    } catch (error) {
      button.disabled = false;
      status.failed(error);
    }
  });
}

// The head signs the result: the server renders the result PDFs (Kazakh and
// Russian), NCALayer signs each (CMS, detached) with the key bound to the
// person's IIN, the form posts the signatures.
function wireResultSigning(button) {
  const form = button.closest("form");
  const status = statusLine(form.querySelector(".sign-status"));
  button.addEventListener("click", async () => {
    button.disabled = true;
    status.waiting();
    try {
      const reply = await fetch(button.dataset.url, { credentials: "same-origin" });
      const toSign = await reply.json();
      if (!reply.ok) {
        throw { missing: false, message: (toSign.error && toSign.error.message) || reply.statusText };
      }
      const args = signArgs(toSign.data, {
        encapsulate: false,
        signerParams: { iin: toSign.iin },
        lang: button.dataset.lang,
      });
      const signatures = await ncalayerSign(button.dataset.ncalayer, args);
      form.querySelector("input[name=issued_at]").value = String(toSign.issued_at);
      form.querySelector("input[name=signatures]").value = signatures.join(",");
      form.submit();
    } catch (error) {
      button.disabled = false;
      status.failed(error);
    }
  });
}

// The desk's lookup of the applicant in the person database: after a
// 12-digit IIN, the name and address from the database, or "the data
// cannot be obtained".
function wirePersonLookup(input) {
  const box = document.querySelector(input.dataset.personLookup);
  const missing = box.querySelector(".lookup-missing");
  const lang = input.dataset.lang || "kk";
  let asked = "";
  const lookup = async () => {
    const iin = input.value.trim();
    if (!/^[0-9]{12}$/.test(iin) || iin === asked) {
      return;
    }
    asked = iin;
    box.hidden = false;
    missing.hidden = true;
    box.querySelector("#applicant_name").value = "…";
    box.querySelector("#applicant_address").value = "";
    let body = {};
    try {
      const response = await fetch(`/api/persons/${iin}?lang=${lang}`, { credentials: "same-origin" });
      body = await response.json();
    } catch (error) {
      body = { found: false };
    }
    if (body.found && body.person) {
      const p = body.person;
      box.querySelector("#applicant_name").value = [p.surname, p.given_name, p.patronymic].filter(Boolean).join(" ");
      box.querySelector("#applicant_address").value = p.address;
    } else {
      box.querySelector("#applicant_name").value = "";
      missing.textContent = body.message || missing.textContent;
      missing.hidden = false;
    }
  };
  input.addEventListener("input", lookup);
  input.addEventListener("change", lookup);
}

// The desk's check of a representative's power of attorney in the notary
// system.
function wirePowerCheck(button) {
  const out = document.querySelector("#power-result");
  const lang = button.dataset.lang || "kk";
  button.addEventListener("click", async () => {
    const principal = document.querySelector("#applicant").value.trim();
    const representative = document.querySelector("#representative_iin").value.trim();
    const number = document.querySelector("#power_of_attorney").value.trim();
    const query = new URLSearchParams({ principal, representative, number, lang });
    out.hidden = false;
    out.textContent = "…";
    try {
      const response = await fetch(`/api/powers-of-attorney?${query}`, { credentials: "same-origin" });
      const body = await response.json();
      out.textContent = body.message || (body.error && body.error.detail) || String(response.status);
      out.className = body.valid ? "lookup ok" : "lookup notice";
    } catch (error) {
      out.textContent = String(error);
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-person-lookup]").forEach(wirePersonLookup);
  document.querySelectorAll("[data-power-check]").forEach(wirePowerCheck);
  document.querySelectorAll("[data-sign-result]").forEach(wireResultSigning);
  document.querySelectorAll("[data-print]").forEach((button) =>
    button.addEventListener("click", () => window.print()));
  document.querySelectorAll("[data-ncalayer-sign]").forEach(wireSigning);
  document.querySelectorAll("[data-certificate-sign-in]").forEach(wireCertificateSignIn);
});
