// Tasks of the selected concept: list, create, edit (If-Match from the listed version) and delete.

import { api, seg } from './api.js';
import { $, clear, el, guarded, showInfo, splitList } from './dom.js';

let hooks = { currentConcept: () => null, currentCurriculum: () => null, afterChange: async () => {} };
const etags = new Map();

export async function loadTasks(conceptId) {
  const list = $('#task-list');
  const { data } = await api('GET', `/curricula/${seg(hooks.currentCurriculum())}/tasks`, {
    query: { concept: conceptId, limit: 100 },
  });
  etags.clear();
  for (const t of data.items) etags.set(t.id, `"${t.version}"`);
  clear(list, data.items.length ? data.items.map((t) => el('li', { class: 'task-item' },
    el('span', {}, `${t.title} `, el('small', {}, `(${t.kind}, difficulty ${t.difficulty}, ${t.estimated_minutes} min, v${t.version})`)),
    el('button', { type: 'button', class: 'small', 'aria-label': `Edit task ${t.id}`, onclick: () => editTask(t) }, 'edit'),
    el('button', {
      type: 'button',
      class: 'small',
      'aria-label': `Delete task ${t.id}`,
      onclick: guarded(() => deleteTask(t.id), 'Deleting task'),
    }, 'delete'))) : [el('li', { class: 'hint' }, 'No task exercises this concept.')]);
}

function editTask(task) {
  const form = $('#task-form');
  form.closest('details').open = true;
  form.editing.value = task.id;
  form.id.value = task.id;
  form.id.readOnly = true;
  form.title.value = task.title;
  form.kind.value = task.kind;
  form.difficulty.value = task.difficulty;
  form.estimated_minutes.value = task.estimated_minutes;
  form.concepts.value = task.concepts.join('; ');
  $('#task-submit').textContent = 'Save task';
}

function resetForm() {
  const form = $('#task-form');
  form.reset();
  form.editing.value = '';
  form.id.readOnly = false;
  form.concepts.value = hooks.currentConcept() ?? '';
  $('#task-submit').textContent = 'Create task';
}

async function submitTask(event) {
  event.preventDefault();
  const form = event.target;
  const body = {
    title: form.title.value,
    kind: form.kind.value,
    difficulty: Number(form.difficulty.value),
    estimated_minutes: Number(form.estimated_minutes.value),
    concepts: splitList(form.concepts.value),
  };
  const editing = form.editing.value;
  if (editing) {
    const { data } = await api('PATCH', `/tasks/${seg(editing)}`, { body, ifMatch: etags.get(editing) });
    showInfo(`Saved task ${data.id} (version ${data.version}).`);
  } else {
    const { data } = await api('POST', `/curricula/${seg(hooks.currentCurriculum())}/tasks`, {
      body: { id: form.id.value.trim(), ...body },
    });
    showInfo(`Created task ${data.id}.`);
  }
  resetForm();
  await loadTasks(hooks.currentConcept());
  await hooks.afterChange();
}

async function deleteTask(id) {
  if (!window.confirm(`Delete task ${id}?`)) return;
  await api('DELETE', `/tasks/${seg(id)}`, { ifMatch: etags.get(id) });
  showInfo(`Deleted task ${id}.`);
  await loadTasks(hooks.currentConcept());
  await hooks.afterChange();
}

export function setupTasks(given) {
  hooks = given;
  $('#task-form').addEventListener('submit', guarded(submitTask, 'Saving task'));
  $('#task-cancel').addEventListener('click', resetForm);
}
