// An ordinary Express app with no tracing code. Run it traced:
//   node --import @tracekit/agent/register app.js
const express = require('express');

const app = express();
app.get('/users/:id', (req, res) => res.json({ id: req.params.id, name: 'Ada' }));
app.listen(Number(process.env.PORT ?? 3000), () => console.log(`listening on ${process.env.PORT ?? 3000}`));
