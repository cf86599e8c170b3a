// The official openai npm client against `prunevid serve`: a system-prompted, multi-turn conversation about a video
// (sent inline as a data URL), a text-only chat, and a streamed answer. Prints one JSON object of what it saw.
// Usage: node chat.mjs BASE_URL VIDEO_FILE
import { readFileSync } from "node:fs";
import OpenAI from "openai";

const [baseURL, videoFile] = process.argv.slice(2);
if (!baseURL || !videoFile) {
  console.error("usage: node chat.mjs BASE_URL VIDEO_FILE");
  process.exit(2);
}
const client = new OpenAI({ baseURL, apiKey: "unused", maxRetries: 0, timeout: 120_000 });
const model = (await client.models.list()).data[0].id;
const video = "data:video/mp4;base64," + readFileSync(videoFile).toString("base64");
const settings = { model, max_tokens: 6, temperature: 0 };

const conversation = [
  { role: "system", content: "You answer in one short sentence." },
  {
    role: "user",
    content: [
      { type: "image_url", image_url: { url: video } },
      { type: "text", text: "What is happening in this video?" },
    ],
  },
];
const first = await client.chat.completions.create({ ...settings, messages: conversation });
conversation.push({ role: "assistant", content: first.choices[0].message.content });
conversation.push({ role: "user", content: "And what colour is the background?" });
const second = await client.chat.completions.create({ ...settings, messages: conversation });

const text = await client.chat.completions.create({
  ...settings,
  messages: [
    { role: "system", content: "You are terse." },
    { role: "user", content: "Say hello." },
  ],
});

let streamed = "";
let streamedUsage = null;
const stream = await client.chat.completions.create({
  ...settings,
  messages: [{ role: "user", content: "Count to three." }],
  stream: true,
  stream_options: { include_usage: true },
});
for await (const chunk of stream) {
  streamed += chunk.choices[0]?.delta?.content ?? "";
  if (chunk.usage) streamedUsage = chunk.usage;
}

console.log(JSON.stringify({
  model,
  first: { text: first.choices[0].message.content, usage: first.usage, model: first.model },
  second: { text: second.choices[0].message.content, usage: second.usage },
  text: { text: text.choices[0].message.content, usage: text.usage },
  streamed: { text: streamed, usage: streamedUsage },
}));
