// zinc web app: the live progress of a batch (EventSource on /batches/:id/events) and drag and
// drop onto the upload form. Everything else is plain HTML and htmx attributes.
/* global document, window, EventSource */
'use strict';

let stream = null;

function describeLeft(secs) {
  if (secs === null || secs === undefined) return '';
  return secs < 90 ? 'about ' + secs + ' s left' : 'about ' + Math.round(secs / 60) + ' min left';
}

function showProgress(section, p) {
  const bar = section.querySelector('#batch-progress');
  bar.max = Math.max(p.total, 1);
  bar.value = p.ended && p.total === 0 ? 1 : p.done;
  const pct = p.total > 0 ? Math.round((100 * p.done) / p.total) : p.ended ? 100 : 0;
  bar.textContent = pct + '%';
  section.querySelector('#progress-text').textContent =
    p.done + ' of ' + p.total + ' graded (' + pct + '%)';
  section.querySelector('#progress-left').textContent = describeLeft(p.secondsLeft);
  const status = section.querySelector('#batch-status');
  status.textContent = p.status;
  status.className = 'status s-' + p.status;
  const list = section.querySelector('#verdict-counts');
  list.replaceChildren();
  for (const [verdict, n] of Object.entries(p.counts)) {
    if (n <= 0) continue;
    const item = document.createElement('li');
    const tag = document.createElement('span');
    tag.className = 'verdict v-' + verdict;
    tag.textContent = verdict;
    item.append(tag, ' ' + n);
    list.append(item);
  }
  const stuck = section.querySelector('#batch-stuck');
  stuck.hidden = !p.stuck;
  stuck.textContent = p.stuck || '';
}

function follow(root) {
  const section = root.querySelector('[data-events]');
  if (!section) return;
  if (stream) stream.close();
  stream = new EventSource(section.dataset.events);
  stream.addEventListener('progress', (e) => {
    const p = JSON.parse(e.data);
    showProgress(section, p);
    if (p.ended) {
      stream.close();
      stream = null;
      // The results, histogram and buttons are final now: load the page once more.
      window.location.reload();
    }
  });
  stream.addEventListener('failed', () => {
    stream.close();
    stream = null;
  });
}

function dropFiles(root) {
  const form = root.querySelector('form.upload');
  if (!form) return;
  const zone = form.querySelector('.drop');
  const input = form.querySelector('#files');
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    if (e.dataTransfer && e.dataTransfer.files.length > 0) {
      input.files = e.dataTransfer.files;
      input.focus();
    }
  });
}

document.addEventListener('DOMContentLoaded', () => {
  follow(document);
  dropFiles(document);
});
