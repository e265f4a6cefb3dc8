"""Drive the official PaddleOCR MCP server (``paddleocr_mcp``) in self-hosted mode against a server of ours, through
the official ``mcp`` client: the way an LLM agent's host runs it. Run by the Python of the venv that holds both
(``make mcp-client`` builds it; paddleocr-mcp needs paddleocr 3.x, which cannot live beside this package), so this
file imports nothing of the project.

    python testkit/mcp_client.py BASE_URL FILE [--file-type image|pdf] [--output-mode simple|detailed]
                                  [--model PP-OCRv6|PP-StructureV3]

calls the one tool the server offers for the model (``ocr`` for OCR models, ``pp_structurev3`` for PP-StructureV3,
which calls /layout-parsing) and prints one JSON object: ``is_error``, ``texts`` (the text parts of the tool's
answer), ``images`` (how many image parts) and ``tools`` (the names the server offers).
"""

import argparse
import asyncio
import json
import os
import sys


async def call_tool(base_url: str, path: str, file_type: str, output_mode: str, model: str) -> dict:
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    server = StdioServerParameters(
        command=os.path.join(os.path.dirname(sys.executable), "paddleocr_mcp"),
        env=dict(os.environ, PADDLEOCR_MCP_PPOCR_SOURCE="self_hosted", PADDLEOCR_MCP_MODEL=model,
                 PADDLEOCR_MCP_SELF_HOSTED_BASE_URL=base_url),
    )
    async with stdio_client(server) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        tools = [tool.name for tool in (await session.list_tools()).tools]
        arguments = {"input_data": path, "output_mode": output_mode}
        if file_type:
            arguments["file_type"] = file_type
        result = await session.call_tool(tools[0], arguments, read_timeout_seconds=600)
        texts = [part.text for part in result.content if getattr(part, "type", "") == "text"]
        images = [part for part in result.content if getattr(part, "type", "") == "image"]
        return {"is_error": bool(result.is_error if hasattr(result, "is_error") else result.isError),
                "texts": texts, "images": len(images), "tools": tools}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url")
    parser.add_argument("file", help="an absolute path: the MCP server reads it and sends it base64-encoded")
    parser.add_argument("--file-type", choices=("image", "pdf"), default="")
    parser.add_argument("--output-mode", choices=("simple", "detailed"), default="simple")
    parser.add_argument("--model", default="PP-OCRv6", help="PADDLEOCR_MCP_MODEL: PP-OCRv6 or PP-StructureV3")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(call_tool(args.base_url, os.path.abspath(args.file), args.file_type,
                                           args.output_mode, args.model)), ensure_ascii=False))


if __name__ == "__main__":
    main()
