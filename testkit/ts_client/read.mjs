// The official TypeScript SDK (@paddleocr/api-sdk 0.2.3) pointed at this server: read one file, print one JSON
// object (tests/test_jobs.py). node read.mjs BASE_URL TOKEN MODEL FILE
import { PaddleOCRClient } from "@paddleocr/api-sdk";

const [baseUrl, token, model, filePath] = process.argv.slice(2);
const client = new PaddleOCRClient({ token, baseUrl, pollTimeout: 300_000 });
if (model === "PP-StructureV3") {
  const result = await client.parseDocument({ model, filePath });
  console.log(JSON.stringify({ jobId: result.jobId, markdown: result.pages.map((page) => page.markdownText) }));
} else {
  const result = await client.ocr({ model, filePath });
  console.log(JSON.stringify({ jobId: result.jobId, texts: result.pages.map((page) => page.prunedResult.rec_texts) }));
}
