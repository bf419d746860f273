/**
 * The dashboard's passkey script, served at `/dashboard/assets/passkeys.js` (plain JavaScript,
 * no build step). It drives the WebAuthn ceremonies with `@simplewebauthn/browser` (served at
 * `/dashboard/assets/webauthn.js` from the package's own bundle, global `SimpleWebAuthnBrowser`):
 * - sign-in with a passkey (login page);
 * - registering a passkey from an invite, or adding one on the account page;
 * - signing an approval decision: the options' challenge is the approval's action digest, and the
 *   assertion is posted with the decision.
 */
export const PASSKEYS_SCRIPT: string = `'use strict';
(() => {
  const webauthn = window.SimpleWebAuthnBrowser;

  function showError(message, where) {
    const box = where || document.getElementById('passkey-error');
    if (!box) return;
    box.textContent = message;
    box.className = 'notice error';
    box.hidden = false;
  }

  async function postJson(url, body) {
    const response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body || {}),
    });
    const result = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(result.error && result.error.message ? result.error.message : 'The request failed (' + response.status + ').');
    return result;
  }

  function needWebAuthn() {
    if (!webauthn || !webauthn.browserSupportsWebAuthn()) throw new Error('This browser does not support passkeys.');
  }

  function onClick(selector, run) {
    for (const button of document.querySelectorAll(selector)) {
      button.addEventListener('click', async () => {
        button.disabled = true;
        try {
          await run(button);
        } catch (failure) {
          showError(failure instanceof Error ? failure.message : String(failure));
          button.disabled = false;
        }
      });
    }
  }

  onClick('[data-passkey-sign-in]', async () => {
    needWebAuthn();
    const start = await postJson('/dashboard/login/passkey/options');
    const response = await webauthn.startAuthentication({ optionsJSON: start.options });
    const done = await postJson('/dashboard/login/passkey', { challenge_id: start.challenge_id, response });
    window.location.assign(done.redirect);
  });

  onClick('[data-register-passkey]', async () => {
    needWebAuthn();
    const base = document.getElementById('invite').dataset.inviteBase;
    const nameInput = document.getElementById('display_name');
    const displayName = nameInput ? nameInput.value : '';
    const start = await postJson(base + '/passkey/options', { display_name: displayName });
    const response = await webauthn.startRegistration({ optionsJSON: start.options });
    const done = await postJson(base + '/passkey', { challenge_id: start.challenge_id, display_name: displayName, response });
    window.location.assign(done.redirect);
  });

  onClick('[data-add-passkey]', async () => {
    needWebAuthn();
    const start = await postJson('/dashboard/account/passkey/options');
    const response = await webauthn.startRegistration({ optionsJSON: start.options });
    const done = await postJson('/dashboard/account/passkey', { challenge_id: start.challenge_id, response });
    window.location.assign(done.redirect);
  });

  // The invite's password form carries the name typed above it.
  const passwordForm = document.getElementById('invite-password-form');
  if (passwordForm) {
    passwordForm.addEventListener('submit', () => {
      const name = document.getElementById('display_name');
      const hidden = document.getElementById('password_display_name');
      if (name && hidden) hidden.value = name.value;
    });
  }

  // Signed decisions: sign the action digest with the passkey, then post the decision with it.
  document.addEventListener('submit', async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || form.dataset.enhance !== 'decide-signed') return;
    event.preventDefault();
    const submitter = event.submitter;
    const decision = submitter && submitter.name === 'decision' ? submitter.value : '';
    const buttons = Array.from(form.querySelectorAll('button'));
    for (const button of buttons) button.disabled = true;
    const error = form.querySelector('.error');
    if (error) error.textContent = '';
    const id = form.dataset.approval;
    try {
      needWebAuthn();
      const start = await postJson('/dashboard/approvals/' + encodeURIComponent(id) + '/passkey-options', { decision });
      const assertion = await webauthn.startAuthentication({ optionsJSON: start.options });
      const body = new URLSearchParams(new FormData(form));
      body.set('decision', decision);
      body.set('challenge_id', start.challenge_id);
      body.set('assertion', JSON.stringify(assertion));
      const response = await fetch(form.action, {
        method: 'POST',
        body,
        headers: { accept: 'application/json' },
        credentials: 'same-origin',
      });
      const result = await response.json();
      if (!response.ok) throw new Error(result.error && result.error.message ? result.error.message : 'The decision failed.');
      const card = document.getElementById('approval-' + id);
      if (card) card.remove();
      const flash = document.getElementById('flash');
      if (flash) {
        flash.textContent = 'Approval ' + id + ' is now ' + result.status + ' (signed with your passkey).';
        flash.className = 'notice ok';
        flash.hidden = false;
      }
    } catch (failure) {
      if (error) error.textContent = failure instanceof Error ? failure.message : String(failure);
      for (const button of buttons) button.disabled = false;
    }
  });
})();
`
