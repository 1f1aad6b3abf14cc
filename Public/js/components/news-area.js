// お知らせ / News: notices from `GET /api/v1/notices` when the server has that API. Shows
// nothing at all when it does not, or when there is nothing to say.

import { h, replace } from '../dom.js';
import { t, lang } from '../i18n.js';
import { apiOptional } from '../api.js';
import { dateTime } from '../format.js';

/** A section that fills itself once notices arrive; hidden until then. */
export function NewsArea() {
  const list = h('ul', { class: 'news__list' });
  const el = h('section', { class: 'news', hidden: true, 'aria-labelledby': 'news-title' }, h('h2', { id: 'news-title', class: 'news__title', text: t('news.title') }), list);
  apiOptional('/api/v1/notices')
    .then((answer) => {
      const notices = Array.isArray(answer) ? answer : Array.isArray(answer?.notices) ? answer.notices : [];
      if (notices.length === 0) return;
      replace(
        list,
        notices.slice(0, 5).map((notice) => {
          const title = notice[`title_${lang()}`] ?? notice.title ?? '';
          const body = notice[`body_${lang()}`] ?? notice.body ?? '';
          const when = notice.publishedAt ?? notice.startsAt ?? notice.createdAt;
          return h(
            'li',
            { class: `news__item news__item--${notice.kind ?? notice.severity ?? 'info'}` },
            when ? h('time', { class: 'news__time', datetime: when, text: dateTime(when) }) : null,
            h('strong', { class: 'news__heading', text: title }),
            body ? h('p', { class: 'news__body', text: body }) : null,
          );
        }),
      );
      el.hidden = false;
    })
    .catch(() => {
      // Notices are a courtesy: without them the console works the same.
    });
  return el;
}
