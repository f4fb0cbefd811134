using Corrections.Configuration;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Corrections.Features.Webhooks;

/// <summary>The events as webhooks of the OpenAPI document: what the service POSTs to a webhook of format json.</summary>
public static class WebhookApiDocs
{
    public static OpenApiOptions AddWebhookEvents(this OpenApiOptions options) => options.AddDocumentTransformer(async (document, context, cancellationToken) =>
    {
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas[nameof(WebhookEvent)] = await context.GetOrCreateSchemaAsync(typeof(WebhookEvent), null, cancellationToken);
        document.Webhooks ??= new Dictionary<string, IOpenApiPathItem>();
        foreach (var type in WebhookEvents.All)
        {
            document.Webhooks[type] = new OpenApiPathItem
            {
                Operations = new Dictionary<HttpMethod, OpenApiOperation>
                {
                    [HttpMethod.Post] = new()
                    {
                        Summary = type == WebhookEvents.ReportCreated ? "A report was made" : "A report's status changed",
                        Description = "Signed with Corrections-Signature: t=UNIX_SECONDS,v1=HEX, the HMAC-SHA256 of t + \".\" + body with the webhook's secret "
                            + "(docs/webhooks.md). Any 2xx takes the event; 5xx, 408, 429 and no answer within 10 s are retried with the same Idempotency-Key; "
                            + "410 Gone disables the webhook until its configuration changes.",
                        Parameters =
                        [
                            Header(WebhookSignature.Header, "t=UNIX_SECONDS,v1=HEX"),
                            Header("Idempotency-Key", "The event's id: the same on every retry"),
                            Header("Corrections-Event", "The event's type"),
                        ],
                        RequestBody = new OpenApiRequestBody
                        {
                            Required = true,
                            Content = new Dictionary<string, OpenApiMediaType>
                            {
                                ["application/json"] = new() { Schema = new OpenApiSchemaReference(nameof(WebhookEvent), document) },
                            },
                        },
                        Responses = new OpenApiResponses
                        {
                            ["2XX"] = new OpenApiResponse { Description = "The event was taken." },
                            ["410"] = new OpenApiResponse { Description = "Gone: send nothing more until the webhook's configuration changes." },
                        },
                    },
                },
            };
        }
    });

    private static OpenApiParameter Header(string name, string description) => new()
    {
        Name = name,
        In = ParameterLocation.Header,
        Required = true,
        Description = description,
        Schema = new OpenApiSchema { Type = JsonSchemaType.String },
    };
}
