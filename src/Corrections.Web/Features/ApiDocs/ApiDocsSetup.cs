using System.Text.Json.Nodes;
using Corrections.Features.Webhooks;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Corrections.Features.ApiDocs;

/// <summary>The OpenAPI document at <c>/openapi/v1.json</c> and its reference page at <c>/docs</c>.</summary>
public static class ApiDocsSetup
{
    public const string ReferencePath = "/docs";

    private const string ReferencePagePolicy =
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

    public static IServiceCollection AddApiDocs(this IServiceCollection services)
    {
        services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Corrections API";
                document.Info.Description = "Readers report mistakes with POST /api/reports; editors and tools triage them through the admin API "
                    + "(Authorization: Bearer KEY, one of Admin:ApiKeys). Errors are RFC 9457 problem details.";
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes["ApiKey"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "One of the keys of Admin:ApiKeys.",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                if (context.Description.RelativePath == "api/reports" && context.Description.HttpMethod == "POST"
                    && operation.RequestBody?.Content?.TryGetValue("application/json", out var body) == true)
                {
                    body.Example = JsonNode.Parse("""
                        { "site": "demo", "url": "https://news.example.org/2024/11/25/article", "title": "Article title", "lang": "en",
                          "selection": { "exact": "brave new wrold", "prefix": "Welcome to the ", "suffix": " of European security." },
                          "suggestion": "brave new world", "comment": "typo", "readerEmail": "reader@example.net",
                          "clientRequestId": "3b8f4a52-1d7e-4c1a-9a57-0c1e8b2f6d11" }
                        """);
                }
                return Task.CompletedTask;
            });
            options.AddWebhookEvents();
        });
        return services;
    }

    public static IEndpointRouteBuilder MapApiDocs(this IEndpointRouteBuilder routes)
    {
        routes.MapOpenApi();
        routes.MapScalarApiReference(ReferencePath, options => options
                .WithTitle("Corrections API")
                .WithOpenApiRoutePattern("/openapi/{documentName}.json"))
            .Add(endpoint =>
            {
                // The reference page configures itself with an inline script and inline styles; the service's other
                // pages allow neither (Pages/SecurityHeaders), which leaves a policy set here in place.
                var page = endpoint.RequestDelegate!;
                endpoint.RequestDelegate = context =>
                {
                    context.Response.Headers.ContentSecurityPolicy = ReferencePagePolicy;
                    return page(context);
                };
            });
        return routes;
    }
}
