import type { CodegenConfig } from "@graphql-codegen/cli";

// `npm run codegen -w admin-ui`: typed documents for every `graphql(...)` in src, from the admin
// API schema that `npm run compose` writes. The output (src/gql) is committed; the lint's
// type check fails when a document no longer matches its types.
const config: CodegenConfig = {
  schema: "../schema/api.admin.graphql",
  documents: ["src/**/*.ts", "src/**/*.tsx", "!src/gql/**"],
  ignoreNoDocuments: false,
  generates: {
    "src/gql/": {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        documentMode: "string",
        enumsAsTypes: true,
        useTypeImports: true,
        scalars: { DateTimeISO: "string", JSON: "unknown" },
        strictScalars: true,
        skipTypename: true,
      },
    },
  },
};

export default config;
