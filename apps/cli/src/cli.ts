#!/usr/bin/env node
import { runMain } from "./run-main.ts";

runMain(process.argv.slice(2));
