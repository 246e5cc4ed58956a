// Package webhook makes agentic tools out of HTTP endpoints: the business
// systems an agent calls during a call (order lookup, returns, tickets,
// CRM screen pop).
//
// A tool is configured in YAML (Config, one entry of the `tools:` section):
//
//	tools:
//	  order_lookup:
//	    description: Look up an order by its number.
//	    method: GET
//	    url: http://localhost:8081/orders/{order_number}
//	    headers: {Authorization: "Bearer ${ORDERS_TOKEN}"}
//	    timeout: 3s
//	    parameters:
//	      type: object
//	      properties: {order_number: {type: string, description: 6 to 8 digits}}
//	      required: [order_number]
//
// A call's arguments (a JSON object) fill the {name} placeholders of the
// URL, escaped so that no value can change the host or add path segments.
// A GET sends the other arguments as query parameters and is retried with
// exponential backoff after timeouts, network errors and HTTP 408, 429
// and 5xx; a POST sends {"call_id": "...", "arguments": {...}} as its body
// and is never retried, since it may have taken effect. Every request
// carries the call's id in the X-Parley-Call-Id header.
//
// The answer must be JSON and at most max_response_bytes. An HTTP error is
// an *agentic.ToolError: for a 4xx its Message is the service's own (the
// "error" or "message" field of its JSON body, such as "no order
// 4827163"), meant to be read to the caller or the model; its Err is a
// *StatusError whose Temporary method tells a refusal (4xx) from a failure
// worth retrying later (408, 429, 5xx). Timeouts and unreachable services
// wrap ErrTimeout and ErrUnavailable and name the tool and its URL.
package webhook
