"""PaddleOCR's official API client (paddleocr 3.7.0's ``PaddleOCRClient``) pointed at this server: submit a file,
wait for its result, save the resources it names, and read its batch. Run by the Python of the venv that holds
paddleocr 3.x (``.venv-mcp``, which ``make mcp-client`` builds); prints one JSON object.

    python testkit/api_client.py BASE_URL TOKEN MODEL FILE RESOURCES_DIR [--page-ranges R] [--batch-id B]

FILE is a path, or a URL (http...) the server is to fetch (the client's file_url).
"""

import argparse
import json

from paddleocr import PaddleOCRClient
from paddleocr._api_client.errors import PaddleOCRAPIError


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("base_url", "token", "model", "file", "resources"):
        parser.add_argument(name)
    parser.add_argument("--page-ranges")
    parser.add_argument("--batch-id")
    args = parser.parse_args()
    client = PaddleOCRClient(token=args.token, base_url=args.base_url, poll_timeout=300)
    source = {"file_url": args.file} if args.file.startswith("http") else {"file_path": args.file}
    try:
        if args.model == "PP-StructureV3":
            job = client.submit_document_parsing(model=args.model, page_ranges=args.page_ranges, batch_id=args.batch_id,
                                                 **source)
            result = client.wait_document_parsing_result(job)
            pages = [{"markdown": page.markdown_text, "images": sorted(page.output_images)} for page in result.pages]
            saved = client.save_document_parsing_result_resources(result, args.resources)
        else:
            job = client.submit_ocr(model=args.model, page_ranges=args.page_ranges, batch_id=args.batch_id, **source)
            result = client.wait_ocr_result(job)
            pages = [{"texts": page.pruned_result["rec_texts"], "image": bool(page.ocr_image_url)}
                     for page in result.pages]
            saved = client.save_ocr_result_resources(result, args.resources)
        batch = client.get_batch_status(args.batch_id) if args.batch_id else None
        print(json.dumps({
            "job": job.job_id, "pages": pages, "dataInfo": result.data_info, "saved": sorted(saved),
            "batch": None if batch is None else [(status.job_id, status.state) for status in batch.jobs],
        }))
    except PaddleOCRAPIError as err:
        print(json.dumps({"error": type(err).__name__, "message": err.message}))
    finally:
        client.close()


if __name__ == "__main__":
    main()
